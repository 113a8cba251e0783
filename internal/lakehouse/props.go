package lakehouse

import (
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Properties: JSON objects as dictionary-encoded text.
//
// The properties of an event, a stream or a process are stored as the text
// of a JSON object of strings with sorted keys (`{}` when there are none),
// in a dictionary-encoded column, as the original keeps them as
// dictionary-encoded JSONB. The same few property sets repeat on millions
// of rows: DuckDB reads such a column as a dictionary, so
// property_get(properties, key) is evaluated once per distinct set, and a
// query that keeps few rows reads little of it. A MAP(VARCHAR, VARCHAR)
// column, the former layout, costs DuckDB about 50 ns per row to read
// whatever the query keeps (docs/benchmarks.md).

// propsJSON returns the JSON text of m: an object with sorted keys, its
// strings escaped as encoding/json does without HTML escaping (invalid
// UTF-8 becomes U+FFFD).
func propsJSON(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b := make([]byte, 0, 64)
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k])
	}
	return string(append(b, '}'))
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029': // valid JSON, but not in JavaScript strings
			b = append(b, `\u`...)
			b = strconv.AppendUint(b, uint64(r), 16)
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}
