package lakehouse

import (
	"fmt"
	"maps"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// sink accumulates the rows of one partition: an Arrow record builder plus
// the event-time range and the number of source objects (blocks) read.
type sink struct {
	schema  *arrow.Schema
	b       *array.RecordBuilder
	c       cols
	rows    int64
	minTime int64
	maxTime int64
	sources int64
}

func newSink(schema *arrow.Schema) *sink {
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	return &sink{schema: schema, b: b, c: newCols(b)}
}

// record returns the rows appended so far as a record and resets the
// builders.
func (s *sink) record() arrow.RecordBatch {
	s.c.flush()
	return s.b.NewRecordBatch()
}

// noteRow counts one row whose event times span [begin, end].
func (s *sink) noteRow(begin, end int64) {
	if s.rows == 0 || begin < s.minTime {
		s.minTime = begin
	}
	if s.rows == 0 || end > s.maxTime {
		s.maxTime = end
	}
	s.rows++
}

func (s *sink) release() { s.b.Release() }

// cols is a typed view of a record builder's fields, used by the row
// appenders of every view. Dictionary columns go through dictCol.
type cols struct {
	b []array.Builder
	d []*dictCol // nil for columns that are not dictionaries
}

func newCols(rb *array.RecordBuilder) cols {
	c := cols{b: rb.Fields(), d: make([]*dictCol, len(rb.Fields()))}
	for i, f := range c.b {
		if db, ok := f.(*array.BinaryDictionaryBuilder); ok {
			c.d[i] = &dictCol{b: db, memo: map[string]int{}}
		}
	}
	return c
}

// flush appends the pending dictionary indices; call it before building
// a record.
func (c cols) flush() {
	for _, d := range c.d {
		if d != nil {
			d.flush()
		}
	}
}

func (c cols) dict(i int, v string) error { return c.d[i].add(v) }

// dictCol appends to a dictionary column: known strings only cost a Go
// map lookup, their indices are appended in batches, and only new strings
// go through the builder's memo table.
type dictCol struct {
	b       *array.BinaryDictionaryBuilder
	memo    map[string]int
	pending []int
}

func (d *dictCol) add(v string) error {
	if idx, ok := d.memo[v]; ok {
		d.pending = append(d.pending, idx)
		return nil
	}
	d.flush()
	if err := d.b.AppendString(v); err != nil {
		return &appendError{fmt.Errorf("append dictionary value: %w", err)}
	}
	d.memo[v] = d.b.GetValueIndex(d.b.Len() - 1)
	return nil
}

func (d *dictCol) flush() {
	if len(d.pending) > 0 {
		d.b.AppendIndices(d.pending, nil)
		d.pending = d.pending[:0]
	}
}

// appendError is a failure of the record builders (a dictionary full):
// the columns may have different lengths, so the whole partition fails.
type appendError struct{ err error }

func (e *appendError) Error() string { return e.err.Error() }
func (e *appendError) Unwrap() error { return e.err }

func (c cols) str(i int, v string)              { c.b[i].(*array.StringBuilder).Append(v) }
func (c cols) bin(i int, v []byte)              { c.b[i].(*array.BinaryBuilder).Append(v) }
func (c cols) ts(i int, ns int64)               { c.b[i].(*array.TimestampBuilder).Append(arrow.Timestamp(ns)) }
func (c cols) i64(i int, v int64)               { c.b[i].(*array.Int64Builder).Append(v) }
func (c cols) i32(i int, v int32)               { c.b[i].(*array.Int32Builder).Append(v) }
func (c cols) u32(i int, v uint32)              { c.b[i].(*array.Uint32Builder).Append(v) }
func (c cols) f64(i int, v float64)             { c.b[i].(*array.Float64Builder).Append(v) }
func (c cols) props(i int, m map[string]string) { appendMap(c.b[i].(*array.MapBuilder), m) }
func (c cols) null(i int)                       { c.b[i].AppendNull() }
func (c cols) boolean(i int, v bool)            { c.b[i].(*array.BooleanBuilder).Append(v) }

func (c cols) strList(i int, vs []string) {
	lb := c.b[i].(*array.ListBuilder)
	lb.Append(true)
	vb := lb.ValueBuilder().(*array.StringBuilder)
	for _, v := range vs {
		vb.Append(v)
	}
}

// appendMap appends m with sorted keys, so files are deterministic.
func appendMap(b *array.MapBuilder, m map[string]string) {
	b.Append(true)
	if len(m) == 0 {
		return
	}
	kb := b.KeyBuilder().(*array.StringBuilder)
	vb := b.ItemBuilder().(*array.StringBuilder)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		kb.Append(k)
		vb.Append(m[k])
	}
}
