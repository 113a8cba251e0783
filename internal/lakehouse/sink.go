package lakehouse

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/micromegas-go/micromegas/internal/engine"
)

// sink accumulates the rows of one partition: a builder per column (a
// dictCol for dictionary columns) plus the event-time range and the
// number of source objects (blocks) read.
type sink struct {
	schema  *arrow.Schema
	c       cols
	rows    int64
	minTime int64
	maxTime int64
	sources int64
	// trigrams, when set, makes writeParquet store the msg trigram
	// filter of the rows (msgfilter.go).
	trigrams *msgTrigrams
	// traceIDs, when set, makes writeParquet store the Bloom filter of
	// the rows' trace ids (tracefilter.go).
	traceIDs *traceIDs
	// pending, when set, holds rows kept out of the columns until write
	// appends them (otel_spans sorts its rows by trace id: spanRows).
	pending interface{ flush(c cols) }
}

func newSink(schema *arrow.Schema) *sink {
	return &sink{schema: schema, c: newCols(schema)}
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

func (s *sink) release() {
	for _, b := range s.c.b {
		if b != nil {
			b.Release()
		}
	}
}

// writeParquet writes the rows appended so far as a Parquet file on w
// (engine.ParquetWriter), one row group per record of write.
func (s *sink) writeParquet(w io.Writer) error {
	pw, err := engine.NewParquetWriter(w, s.schema)
	if err != nil {
		return err
	}
	if err := s.write(s.traceIDs.wrap(s.trigrams.wrap(pw.WriteRowGroup))); err != nil {
		pw.Close()
		return err
	}
	if err := s.trigrams.store(pw); err != nil {
		pw.Close()
		return err
	}
	if err := s.traceIDs.store(pw); err != nil {
		pw.Close()
		return err
	}
	return pw.Close()
}

// cols is a typed view of a sink's columns, used by the row appenders of
// every view. Dictionary columns go through dictCol.
type cols struct {
	b []array.Builder // nil for dictionary columns
	d []*dictCol      // nil for columns that are not dictionaries
}

// newCols makes the builders of schema's columns. Its dictionary columns
// must have Int16 indices and string values (dict16).
func newCols(schema *arrow.Schema) cols {
	n := schema.NumFields()
	c := cols{b: make([]array.Builder, n), d: make([]*dictCol, n)}
	for i, f := range schema.Fields() {
		if dt, ok := f.Type.(*arrow.DictionaryType); ok {
			if !arrow.TypeEqual(dt, dict16) {
				panic(fmt.Sprintf("lakehouse: column %q is %s: the only dictionary type of views is %s", f.Name, dt, dict16))
			}
			c.d[i] = newDictCol()
			continue
		}
		c.b[i] = array.NewBuilder(memory.DefaultAllocator, f.Type)
	}
	return c
}

// len returns the number of rows appended, which every column must have.
func (c cols) len() (int, error) {
	n := -1
	for i := range c.b {
		k := 0
		if c.b[i] != nil {
			k = c.b[i].Len()
		} else {
			k = c.d[i].len()
		}
		if n >= 0 && k != n {
			return 0, fmt.Errorf("column %d has %d rows, column 0 has %d", i, k, n)
		}
		n = k
	}
	return max(n, 0), nil
}

func (c cols) dict(i int, v string) { c.d[i].add(v) }

// dictN appends v n times to dictionary column i.
func (c cols) dictN(i int, v string, n int) { c.d[i].addN(v, n) }

func (c cols) str(i int, v string)              { c.b[i].(*array.StringBuilder).Append(v) }
func (c cols) bin(i int, v []byte)              { c.b[i].(*array.BinaryBuilder).Append(v) }
func (c cols) ts(i int, ns int64)               { c.b[i].(*array.TimestampBuilder).Append(arrow.Timestamp(ns)) }
func (c cols) i64(i int, v int64)               { c.b[i].(*array.Int64Builder).Append(v) }
func (c cols) i32(i int, v int32)               { c.b[i].(*array.Int32Builder).Append(v) }
func (c cols) u32(i int, v uint32)              { c.b[i].(*array.Uint32Builder).Append(v) }
func (c cols) f64(i int, v float64)             { c.b[i].(*array.Float64Builder).Append(v) }
func (c cols) props(i int, m map[string]string) { c.dict(i, propsJSON(m)) }
func (c cols) boolean(i int, v bool)            { c.b[i].(*array.BooleanBuilder).Append(v) }

func (c cols) null(i int) {
	if c.d[i] != nil {
		c.d[i].addNull()
		return
	}
	c.b[i].AppendNull()
}

func (c cols) strList(i int, vs []string) {
	lb := c.b[i].(*array.ListBuilder)
	lb.Append(true)
	vb := lb.ValueBuilder().(*array.StringBuilder)
	for _, v := range vs {
		vb.Append(v)
	}
}
