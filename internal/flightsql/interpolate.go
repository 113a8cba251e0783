package flightsql

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/micromegas-go/micromegas/internal/sqlliteral"
)

// placeholder is one parameter marker found in SQL text: "?" or "$N".
type placeholder struct {
	start, end int // byte offsets of the marker
	index      int // 0-based parameter index
}

// findPlaceholders returns the parameter markers of sql outside string
// literals, quoted identifiers and comments. "?" markers take the next
// index; "$N" markers name parameter N (1-based). Mixing the two styles
// or using named parameters ($name) is an error.
func findPlaceholders(sql string) ([]placeholder, error) {
	var out []placeholder
	anon, numbered := false, false
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == '\'':
			i = skipQuoted(sql, i+1, '\'', false)
		case (c == 'e' || c == 'E') && i+1 < len(sql) && sql[i+1] == '\'' && !identBefore(sql, i):
			i = skipQuoted(sql, i+2, '\'', true)
		case c == '"':
			i = skipQuoted(sql, i+1, '"', false)
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			if j := strings.IndexByte(sql[i:], '\n'); j >= 0 {
				i += j + 1
			} else {
				i = len(sql)
			}
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			i = skipBlockComment(sql, i)
		case isIdentStart(c) || c >= utf8.RuneSelf:
			i = skipIdent(sql, i)
		case c >= '0' && c <= '9':
			i = skipIdent(sql, i) // numbers, including 1e5 and 0x1F
		case c == '?':
			anon = true
			out = append(out, placeholder{start: i, end: i + 1, index: len(out)})
			i++
		case c == '$':
			j := i + 1
			for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
				j++
			}
			if j > i+1 {
				n, err := strconv.Atoi(sql[i+1 : j])
				if err != nil || n < 1 {
					return nil, fmt.Errorf("bad parameter marker %q: parameters are numbered from $1", sql[i:j])
				}
				numbered = true
				out = append(out, placeholder{start: i, end: j, index: n - 1})
				i = j
				continue
			}
			// A dollar-quoted string: $$...$$ or $tag$...$tag$.
			k := j
			for k < len(sql) && (isIdentStart(sql[k]) || (sql[k] >= '0' && sql[k] <= '9')) {
				k++
			}
			if k < len(sql) && sql[k] == '$' {
				tag := sql[i : k+1]
				end := strings.Index(sql[k+1:], tag)
				if end < 0 {
					return nil, fmt.Errorf("unterminated dollar-quoted string %s", tag)
				}
				i = k + 1 + end + len(tag)
				continue
			}
			if k > j {
				return nil, fmt.Errorf("named parameter %s is not supported: use ? or numbered markers ($1, $2)", sql[i:k])
			}
			i++
		default:
			i++
		}
	}
	if anon && numbered {
		return nil, fmt.Errorf("the query mixes ? and $N parameter markers: use one style")
	}
	return out, nil
}

// skipQuoted returns the offset after the literal that starts at i (just
// after its opening quote). A doubled quote is an escaped quote; with
// backslash, a backslash escapes the next byte (E'...' strings).
func skipQuoted(sql string, i int, quote byte, backslash bool) int {
	for i < len(sql) {
		switch sql[i] {
		case '\\':
			if backslash {
				i += 2
				continue
			}
		case quote:
			if i+1 < len(sql) && sql[i+1] == quote {
				i += 2
				continue
			}
			return i + 1
		}
		i++
	}
	return len(sql)
}

// skipBlockComment returns the offset after the (possibly nested) block
// comment that starts at i.
func skipBlockComment(sql string, i int) int {
	depth := 0
	for i < len(sql) {
		switch {
		case strings.HasPrefix(sql[i:], "/*"):
			depth++
			i += 2
		case strings.HasPrefix(sql[i:], "*/"):
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return len(sql)
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentByte(c byte) bool {
	return isIdentStart(c) || (c >= '0' && c <= '9') || c == '$' || c >= utf8.RuneSelf
}

// skipIdent returns the end of the identifier or number starting at i.
func skipIdent(sql string, i int) int {
	for i < len(sql) && isIdentByte(sql[i]) {
		i++
	}
	return i
}

// identBefore reports whether the byte before i continues an identifier.
func identBefore(sql string, i int) bool { return i > 0 && isIdentByte(sql[i-1]) }

// InterpolateParams returns sql with its parameter markers ("?" or "$N")
// replaced by SQL literals of params, for queriers whose engine cannot
// bind parameters. Values are rendered so that they cannot change the
// structure of the statement: strings are quoted with doubled quotes,
// binary values are hex blob literals, and every literal is surrounded by
// spaces and, when negative, by parentheses.
//
// Supported values: nil, bool, signed and unsigned integers, float32,
// float64, string, []byte and time.Time (rendered as TIMESTAMP_NS in UTC).
func InterpolateParams(sql string, params []any) (string, error) {
	marks, err := findPlaceholders(sql)
	if err != nil {
		return "", err
	}
	used := make([]bool, len(params))
	for _, m := range marks {
		if m.index >= len(params) {
			return "", fmt.Errorf("the query uses parameter %d but %d were bound", m.index+1, len(params))
		}
		used[m.index] = true
	}
	for i, u := range used {
		if !u {
			return "", fmt.Errorf("%d parameters were bound but the query does not use parameter %d", len(params), i+1)
		}
	}
	var b strings.Builder
	last := 0
	for _, m := range marks {
		lit, err := sqlliteral.Literal(params[m.index])
		if err != nil {
			return "", fmt.Errorf("parameter %d: %w", m.index+1, err)
		}
		b.WriteString(sql[last:m.start])
		b.WriteByte(' ')
		b.WriteString(lit)
		b.WriteByte(' ')
		last = m.end
	}
	b.WriteString(sql[last:])
	return b.String(), nil
}
