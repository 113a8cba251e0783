package render

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// object is a JSON object that keeps its keys in order (struct fields, map
// entries, result columns).
type object []member

type member struct {
	key string
	val any
}

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := encodeJSON(&buf, m.key); err != nil {
			return nil, err
		}
		buf.WriteByte(':')
		if err := encodeJSON(&buf, m.val); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// encodeJSON appends v to buf without HTML escaping (log messages often
// hold <, > and &) and without a trailing newline.
func encodeJSON(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // the newline Encode adds
	return nil
}

// value returns row i of arr as a JSON-ready Go value: nil, bool, int64,
// uint64, float64, float32, json.Number, string, []any or object.
// Timestamps are RFC3339Nano strings in UTC; binary values are hex strings;
// dictionaries are decoded.
func value(arr arrow.Array, i int) any {
	if arr.IsNull(i) || arr.DataType().ID() == arrow.NULL {
		return nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return uint64(a.Value(i))
	case *array.Uint16:
		return uint64(a.Value(i))
	case *array.Uint32:
		return uint64(a.Value(i))
	case *array.Uint64:
		return a.Value(i)
	case *array.Float16:
		return float(float64(a.Value(i).Float32()), 32)
	case *array.Float32:
		return float(float64(a.Value(i)), 32)
	case *array.Float64:
		return float(a.Value(i), 64)
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.StringView:
		return a.Value(i)
	case *array.Binary:
		return hex.EncodeToString(a.Value(i))
	case *array.LargeBinary:
		return hex.EncodeToString(a.Value(i))
	case *array.BinaryView:
		return hex.EncodeToString(a.Value(i))
	case *array.FixedSizeBinary:
		return hex.EncodeToString(a.Value(i))
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC().Format(time.RFC3339Nano)
	case *array.Date32:
		return a.Value(i).ToTime().Format(time.DateOnly)
	case *array.Date64:
		return a.Value(i).ToTime().Format(time.DateOnly)
	case *array.Time32:
		return a.Value(i).ToTime(a.DataType().(*arrow.Time32Type).Unit).Format("15:04:05.999999999")
	case *array.Time64:
		return a.Value(i).ToTime(a.DataType().(*arrow.Time64Type).Unit).Format("15:04:05.999999999")
	case *array.Duration:
		unit := a.DataType().(*arrow.DurationType).Unit
		return (time.Duration(a.Value(i)) * unit.Multiplier()).String()
	case *array.Decimal128, *array.Decimal256:
		return json.Number(arr.ValueStr(i))
	case *array.Dictionary:
		return value(a.Dictionary(), a.GetValueIndex(i))
	case *array.Map:
		start, end := a.ValueOffsets(i)
		keys, items := a.Keys(), a.Items()
		o := make(object, 0, end-start)
		for j := int(start); j < int(end); j++ {
			o = append(o, member{key: text(keys, j), val: value(items, j)})
		}
		return o
	case interface {
		ValueOffsets(int) (int64, int64)
		ListValues() arrow.Array
	}: // lists of every kind
		start, end := a.ValueOffsets(i)
		child := a.ListValues()
		l := make([]any, 0, end-start)
		for j := int(start); j < int(end); j++ {
			l = append(l, value(child, j))
		}
		return l
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		o := make(object, a.NumField())
		for f := range a.NumField() {
			o[f] = member{key: st.Field(f).Name, val: value(a.Field(f), i)}
		}
		return o
	case *array.SparseUnion:
		return value(a.Field(a.ChildID(i)), i)
	case *array.DenseUnion:
		return value(a.Field(a.ChildID(i)), int(a.ValueOffset(i)))
	case array.ExtensionArray:
		return value(a.Storage(), i)
	}
	return arr.ValueStr(i)
}

// float returns v as a JSON-ready number, or a string for NaN and infinities,
// which JSON cannot carry. bits is 32 or 64.
func float(v float64, bits int) any {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	case bits == 32:
		return float32(v)
	}
	return v
}

// text returns row i of arr as text for the table and csv formats: scalars
// as is, nested values as compact JSON, NULL as "".
func text(arr arrow.Array, i int) string {
	s, _ := cell(arr, i)
	return s
}

// cell is text that also reports whether the value is NULL.
func cell(arr arrow.Array, i int) (s string, isNull bool) {
	switch v := value(arr, i).(type) {
	case nil:
		return "", true
	case string:
		return v, false
	case bool:
		return strconv.FormatBool(v), false
	case int64:
		return strconv.FormatInt(v, 10), false
	case uint64:
		return strconv.FormatUint(v, 10), false
	case float32:
		return formatFloat(float64(v), 32), false
	case float64:
		return formatFloat(v, 64), false
	case json.Number:
		return string(v), false
	default:
		var buf bytes.Buffer
		if err := encodeJSON(&buf, v); err != nil {
			return arr.ValueStr(i), false
		}
		return buf.String(), false
	}
}

// formatFloat formats as encoding/json does, so that every format shows a
// number the same way: plain decimals, exponents only for tiny and huge
// magnitudes.
func formatFloat(v float64, bits int) string {
	abs := math.Abs(v)
	fmtByte := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fmtByte = 'e'
	}
	return strconv.FormatFloat(v, fmtByte, -1, bits)
}

// numeric reports whether values of dt are numbers, right-aligned in tables.
func numeric(dt arrow.DataType) bool {
	if d, ok := dt.(*arrow.DictionaryType); ok {
		dt = d.ValueType
	}
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64,
		arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		return true
	}
	return false
}
