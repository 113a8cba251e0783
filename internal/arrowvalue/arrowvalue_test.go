package arrowvalue

import (
	"reflect"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestAt(t *testing.T) {
	mem := memory.DefaultAllocator
	ts := time.Date(2026, 11, 24, 10, 0, 0, 5, time.UTC)
	build := func(dt arrow.DataType, fill func(array.Builder)) arrow.Array {
		b := array.NewBuilder(mem, dt)
		defer b.Release()
		fill(b)
		return b.NewArray()
	}
	tests := []struct {
		name string
		col  arrow.Array
		want any
		ok   bool
	}{
		{"null cell", build(arrow.PrimitiveTypes.Int32, func(b array.Builder) { b.AppendNull() }), nil, true},
		{"int8", build(arrow.PrimitiveTypes.Int8, func(b array.Builder) { b.(*array.Int8Builder).Append(-3) }), int64(-3), true},
		{"uint32", build(arrow.PrimitiveTypes.Uint32, func(b array.Builder) { b.(*array.Uint32Builder).Append(7) }), uint64(7), true},
		{"float32", build(arrow.PrimitiveTypes.Float32, func(b array.Builder) { b.(*array.Float32Builder).Append(1.5) }), 1.5, true},
		{"bool", build(arrow.FixedWidthTypes.Boolean, func(b array.Builder) { b.(*array.BooleanBuilder).Append(true) }), true, true},
		{"string", build(arrow.BinaryTypes.String, func(b array.Builder) { b.(*array.StringBuilder).Append("x'y") }), "x'y", true},
		{"binary", build(arrow.BinaryTypes.Binary, func(b array.Builder) { b.(*array.BinaryBuilder).Append([]byte{0, 1}) }), []byte{0, 1}, true},
		{"timestamp", build(arrow.FixedWidthTypes.Timestamp_ns, func(b array.Builder) {
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(ts.UnixNano()))
		}), ts, true},
		{"dictionary", build(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, func(b array.Builder) {
			_ = b.(*array.BinaryDictionaryBuilder).AppendString("proc")
		}), "proc", true},
		{"unsupported", build(arrow.ListOf(arrow.PrimitiveTypes.Int64), func(b array.Builder) {
			lb := b.(*array.ListBuilder)
			lb.Append(true)
			lb.ValueBuilder().(*array.Int64Builder).Append(1)
		}), nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer tc.col.Release()
			got, ok := At(tc.col, 0)
			if ok != tc.ok || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("At = %#v, %v; want %#v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
