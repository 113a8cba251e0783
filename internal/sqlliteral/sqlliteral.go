// Package sqlliteral renders Go values as DuckDB SQL literals, for the
// places where a bound value must become SQL text: the arguments of table
// functions the lakehouse plans itself, and the FlightSQL server's fallback
// for engines that cannot bind parameters.
package sqlliteral

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Literal renders v, one of nil, bool, the integer and float types,
// string, []byte or time.Time, as a DuckDB literal of the matching type:
// negative numbers are parenthesized, floats are DOUBLE (NaN and the
// infinities included), bytes are BLOB and times TIMESTAMP_NS in UTC.
// Strings must be valid UTF-8 without NUL bytes (bind those as bytes).
func Literal(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "NULL", nil
	case bool:
		if x {
			return "TRUE", nil
		}
		return "FALSE", nil
	case int:
		return signed(int64(x)), nil
	case int8:
		return signed(int64(x)), nil
	case int16:
		return signed(int64(x)), nil
	case int32:
		return signed(int64(x)), nil
	case int64:
		return signed(x), nil
	case uint:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint8:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint16:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint32:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float32:
		return Float(float64(x)), nil
	case float64:
		return Float(x), nil
	case string:
		if strings.IndexByte(x, 0) >= 0 {
			return "", fmt.Errorf("strings cannot contain NUL bytes; bind it as binary")
		}
		if !utf8.ValidString(x) {
			return "", fmt.Errorf("string is not valid UTF-8; bind it as binary")
		}
		return "'" + strings.ReplaceAll(x, "'", "''") + "'", nil
	case []byte:
		return "from_hex('" + hex.EncodeToString(x) + "')", nil
	case time.Time:
		return Timestamp(x), nil
	}
	return "", fmt.Errorf("unsupported value type %T", v)
}

// Timestamp renders t as a DuckDB TIMESTAMP_NS literal in UTC.
func Timestamp(t time.Time) string {
	return "CAST('" + t.UTC().Format("2006-01-02 15:04:05.999999999") + "' AS TIMESTAMP_NS)"
}

// Float renders v as a DuckDB DOUBLE literal.
func Float(v float64) string {
	switch {
	case math.IsNaN(v):
		return "CAST('NaN' AS DOUBLE)"
	case math.IsInf(v, 1):
		return "CAST('Infinity' AS DOUBLE)"
	case math.IsInf(v, -1):
		return "CAST('-Infinity' AS DOUBLE)"
	}
	return "CAST(" + strconv.FormatFloat(v, 'g', -1, 64) + " AS DOUBLE)"
}

func signed(v int64) string {
	s := strconv.FormatInt(v, 10)
	if v < 0 {
		return "(" + s + ")"
	}
	return s
}
