// Package arrowvalue reads Arrow cells as plain Go values: the value set
// of query parameters and table-function arguments (nil, bool, int64,
// uint64, float64, string, []byte and time.Time in UTC).
package arrowvalue

import (
	"bytes"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// At returns cell i of col as a Go value, and false when the column's
// type has no such value. Strings and bytes are copied: they would
// otherwise point into the batch. Dictionary cells are read from their
// dictionary.
func At(col arrow.Array, i int) (any, bool) {
	if col.IsNull(i) {
		return nil, true
	}
	switch a := col.(type) {
	case *array.Null:
		return nil, true
	case *array.Boolean:
		return a.Value(i), true
	case *array.Int8:
		return int64(a.Value(i)), true
	case *array.Int16:
		return int64(a.Value(i)), true
	case *array.Int32:
		return int64(a.Value(i)), true
	case *array.Int64:
		return a.Value(i), true
	case *array.Uint8:
		return uint64(a.Value(i)), true
	case *array.Uint16:
		return uint64(a.Value(i)), true
	case *array.Uint32:
		return uint64(a.Value(i)), true
	case *array.Uint64:
		return a.Value(i), true
	case *array.Float32:
		return float64(a.Value(i)), true
	case *array.Float64:
		return a.Value(i), true
	case *array.String:
		return strings.Clone(a.Value(i)), true
	case *array.LargeString:
		return strings.Clone(a.Value(i)), true
	case *array.StringView:
		return strings.Clone(a.Value(i)), true
	case *array.Binary:
		return bytes.Clone(a.Value(i)), true
	case *array.LargeBinary:
		return bytes.Clone(a.Value(i)), true
	case *array.Timestamp:
		return a.Value(i).ToTime(a.DataType().(*arrow.TimestampType).Unit).UTC(), true
	case *array.Date32:
		return a.Value(i).ToTime().UTC(), true
	case *array.Date64:
		return a.Value(i).ToTime().UTC(), true
	case *array.Dictionary:
		return At(a.Dictionary(), a.GetValueIndex(i))
	}
	return nil, false
}
