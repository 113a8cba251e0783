package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/micromegas-go/micromegas/internal/flightsql"
)

// columns reads the cells of an uploaded record by column name, accepting
// the types clients send for the same data (plain or dictionary strings,
// any integer width, any timestamp unit).
type columns struct {
	table string
	rec   arrow.RecordBatch
}

// col returns the column called name, or nil when absent and optional.
func (c columns) col(name, want string, required bool) (arrow.Array, error) {
	idx := c.rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		if !required {
			return nil, nil
		}
		names := make([]string, 0, c.rec.NumCols())
		for _, f := range c.rec.Schema().Fields() {
			names = append(names, f.Name)
		}
		return nil, c.invalid("column %s (%s) is missing; got columns %s", name, want, strings.Join(names, ", "))
	}
	return c.rec.Column(idx[0]), nil
}

func (c columns) invalid(format string, args ...any) error {
	return &flightsql.InvalidQueryError{Err: fmt.Errorf("ingest into %s: "+format, append([]any{c.table}, args...)...)}
}

// cell is one typed reader of a column: it returns the value of row i.
type cell[T any] func(i int) (T, error)

// constant is the reader of an absent optional column.
func constant[T any](v T) cell[T] { return func(int) (T, error) { return v, nil } }

// notNull wraps get so that a null cell is an error when required.
func notNull[T any](c columns, name string, arr arrow.Array, required bool, get func(i int) (T, error)) cell[T] {
	return func(i int) (T, error) {
		var zero T
		if arr.IsNull(i) {
			if required {
				return zero, c.invalid("column %s is null in row %d", name, i)
			}
			return zero, nil
		}
		return get(i)
	}
}

func (c columns) strings(name string, required bool) (cell[string], error) {
	arr, err := c.col(name, "string", required)
	if err != nil || arr == nil {
		return constant(""), err
	}
	get, err := stringGetter(arr)
	if err != nil {
		return nil, c.invalid("column %s: %v", name, err)
	}
	return notNull(c, name, arr, required, func(i int) (string, error) { return get(i), nil }), nil
}

// stringGetter reads strings from string, binary or dictionary arrays.
func stringGetter(arr arrow.Array) (func(i int) string, error) {
	switch a := arr.(type) {
	case *array.String:
		return a.Value, nil
	case *array.LargeString:
		return a.Value, nil
	case *array.StringView:
		return a.Value, nil
	case *array.Binary:
		return a.ValueString, nil
	case *array.LargeBinary:
		return func(i int) string { return string(a.Value(i)) }, nil
	case *array.Dictionary:
		inner, err := stringGetter(a.Dictionary())
		if err != nil {
			return nil, err
		}
		return func(i int) string { return inner(a.GetValueIndex(i)) }, nil
	}
	return nil, fmt.Errorf("type %s is not a string", arr.DataType())
}

func (c columns) bytes(name string, required bool) (cell[[]byte], error) {
	arr, err := c.col(name, "binary", required)
	if err != nil || arr == nil {
		return constant[[]byte](nil), err
	}
	get, err := bytesGetter(arr)
	if err != nil {
		return nil, c.invalid("column %s: %v", name, err)
	}
	return notNull(c, name, arr, required, func(i int) ([]byte, error) { return get(i), nil }), nil
}

func bytesGetter(arr arrow.Array) (func(i int) []byte, error) {
	switch a := arr.(type) {
	case *array.Binary:
		return a.Value, nil
	case *array.LargeBinary:
		return a.Value, nil
	case *array.BinaryView:
		return a.Value, nil
	case *array.Dictionary:
		inner, err := bytesGetter(a.Dictionary())
		if err != nil {
			return nil, err
		}
		return func(i int) []byte { return inner(a.GetValueIndex(i)) }, nil
	}
	return nil, fmt.Errorf("type %s is not binary", arr.DataType())
}

func (c columns) ints(name string, required bool) (cell[int64], error) {
	arr, err := c.col(name, "integer", required)
	if err != nil || arr == nil {
		return constant[int64](0), err
	}
	var get func(i int) int64
	switch a := arr.(type) {
	case *array.Int8:
		get = func(i int) int64 { return int64(a.Value(i)) }
	case *array.Int16:
		get = func(i int) int64 { return int64(a.Value(i)) }
	case *array.Int32:
		get = func(i int) int64 { return int64(a.Value(i)) }
	case *array.Int64:
		get = a.Value
	case *array.Uint8:
		get = func(i int) int64 { return int64(a.Value(i)) }
	case *array.Uint16:
		get = func(i int) int64 { return int64(a.Value(i)) }
	case *array.Uint32:
		get = func(i int) int64 { return int64(a.Value(i)) }
	case *array.Uint64:
		get = func(i int) int64 { return int64(a.Value(i)) }
	default:
		return nil, c.invalid("column %s: type %s is not an integer", name, arr.DataType())
	}
	return notNull(c, name, arr, required, func(i int) (int64, error) { return get(i), nil }), nil
}

func (c columns) times(name string, required bool) (cell[time.Time], error) {
	arr, err := c.col(name, "timestamp", required)
	if err != nil || arr == nil {
		return constant(time.Time{}), err
	}
	a, ok := arr.(*array.Timestamp)
	if !ok {
		return nil, c.invalid("column %s: type %s is not a timestamp", name, arr.DataType())
	}
	unit := a.DataType().(*arrow.TimestampType).Unit
	return notNull(c, name, arr, required, func(i int) (time.Time, error) {
		return a.Value(i).ToTime(unit).UTC(), nil
	}), nil
}

func (c columns) stringLists(name string) (cell[[]string], error) {
	arr, err := c.col(name, "list of strings", false)
	if err != nil || arr == nil {
		return constant([]string{}), err
	}
	a, ok := arr.(array.ListLike)
	if !ok {
		return nil, c.invalid("column %s: type %s is not a list of strings", name, arr.DataType())
	}
	get, err := stringGetter(a.ListValues())
	if err != nil {
		return nil, c.invalid("column %s: %v", name, err)
	}
	return notNull(c, name, arr, false, func(i int) ([]string, error) {
		start, end := a.ValueOffsets(i)
		out := make([]string, 0, end-start)
		for j := start; j < end; j++ {
			out = append(out, get(int(j)))
		}
		return out, nil
	}), nil
}

// properties reads a string → string map from MAP(VARCHAR, VARCHAR), a
// list of {key, value} structs, a JSON object as text, or the original's
// JSONB dictionaries.
func (c columns) properties(name string) (cell[map[string]string], error) {
	arr, err := c.col(name, "map of strings", false)
	if err != nil || arr == nil {
		return constant(map[string]string{}), err
	}
	get, err := propertiesGetter(arr)
	if err != nil {
		return nil, c.invalid("column %s: %v", name, err)
	}
	return func(i int) (map[string]string, error) {
		if arr.IsNull(i) {
			return map[string]string{}, nil
		}
		m, err := get(i)
		if err != nil {
			return nil, c.invalid("column %s row %d: %v", name, i, err)
		}
		return m, nil
	}, nil
}

func propertiesGetter(arr arrow.Array) (func(i int) (map[string]string, error), error) {
	switch a := arr.(type) {
	case *array.Map:
		keys, err := stringGetter(a.Keys())
		if err != nil {
			return nil, fmt.Errorf("map keys: %w", err)
		}
		vals, err := stringGetter(a.Items())
		if err != nil {
			return nil, fmt.Errorf("map values: %w", err)
		}
		return func(i int) (map[string]string, error) {
			start, end := a.ValueOffsets(i)
			m := make(map[string]string, end-start)
			for j := int(start); j < int(end); j++ {
				m[keys(j)] = vals(j)
			}
			return m, nil
		}, nil
	case *array.List:
		st, ok := a.ListValues().(*array.Struct)
		if !ok || st.NumField() < 2 {
			return nil, fmt.Errorf("type %s is not a list of {key, value}", arr.DataType())
		}
		keys, err := stringGetter(st.Field(0))
		if err != nil {
			return nil, fmt.Errorf("property keys: %w", err)
		}
		vals, err := stringGetter(st.Field(1))
		if err != nil {
			return nil, fmt.Errorf("property values: %w", err)
		}
		return func(i int) (map[string]string, error) {
			start, end := a.ValueOffsets(i)
			m := make(map[string]string, end-start)
			for j := int(start); j < int(end); j++ {
				m[keys(j)] = vals(j)
			}
			return m, nil
		}, nil
	case *array.Dictionary:
		inner, err := propertiesGetter(a.Dictionary())
		if err != nil {
			return nil, err
		}
		return func(i int) (map[string]string, error) { return inner(a.GetValueIndex(i)) }, nil
	case *array.String, *array.LargeString:
		get, _ := stringGetter(arr)
		return func(i int) (map[string]string, error) {
			m := map[string]string{}
			if err := json.Unmarshal([]byte(get(i)), &m); err != nil {
				return nil, fmt.Errorf("properties as text must be a JSON object of strings: %w", err)
			}
			return m, nil
		}, nil
	case *array.Binary, *array.LargeBinary:
		get, _ := bytesGetter(arr)
		return func(i int) (map[string]string, error) { return decodeJSONBObject(get(i)) }, nil
	}
	return nil, fmt.Errorf("type %s is not a map of strings, a list of {key, value}, JSON text or JSONB", arr.DataType())
}
