// Package dictwrite gives the string columns of engine results the
// dictionary encoding of a view's schema before they are written to
// Parquet, one dictionary per row group (Writer), for the lakehouse's
// merges and aggregations.
package dictwrite

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/micromegas-go/micromegas/internal/engine"
)

// Writer gives the rows of an engine result the dictionary-encoded
// string columns of a view's schema before they are written: DuckDB
// returns plain strings, so the files that merges and aggregations write
// from its results would otherwise lose the Arrow types of spec 5.2.
//
// Rows are gathered into records of at most engine.RowGroupRows rows
// with one dictionary per column, each to be written as a row group of
// its own (engine.ParquetWriter.WriteRowGroup), so the Parquet writer
// keeps each row group's column as one dictionary page (a dictionary that
// changes within a row group makes it drop the dictionary and write plain
// pages). A record is cut early when a dictionary may not hold the next
// batch (Int16 indices hold 32768 values), so any number of distinct
// values can be written.
type Writer struct {
	schema *arrow.Schema                 // of the records written
	write  func(arrow.RecordBatch) error // takes the records
	conv   bool                          // some column is re-encoded
	dtypes []*arrow.DictionaryType       // by column; nil when passed through
	dicts  []*dictEncoder                // by column, for the pending record
	parts  [][]arrow.Array               // pending slices of the other columns
	rows   int                           // rows pending
	maxRow int                           // rows per record
	pool   memory.Allocator
}

// dictEncoder encodes one column of one record being gathered.
type dictEncoder struct {
	b       *array.BinaryDictionaryBuilder
	memo    map[string]int
	max     int // entries the index type can address
	last    string
	lastIdx int // index of last, -1 before the first value
	pending []int
}

// Limit returns the number of dictionary entries an index type can
// address.
func Limit(index arrow.DataType) int {
	switch index.ID() {
	case arrow.INT8:
		return 1 << 7
	case arrow.UINT8:
		return 1 << 8
	case arrow.INT16:
		return 1 << 15
	case arrow.UINT16:
		return 1 << 16
	}
	return 1 << 31
}

// New returns a writer of the records of an engine result of
// schema src as records of the schema it returns: the string columns
// that view dictionary-encodes (by name) are encoded, the others are kept
// as they are. write is called with each record, which it must not keep
// without retaining it.
func New(src, view *arrow.Schema, write func(arrow.RecordBatch) error) *Writer {
	fields := src.Fields()
	w := &Writer{write: write, maxRow: engine.RowGroupRows, dicts: make([]*dictEncoder, len(fields)),
		parts: make([][]arrow.Array, len(fields)), dtypes: make([]*arrow.DictionaryType, len(fields)),
		pool: memory.DefaultAllocator}
	for i, f := range fields {
		idx := view.FieldIndices(f.Name)
		if len(idx) != 1 {
			continue
		}
		dt, ok := view.Field(idx[0]).Type.(*arrow.DictionaryType)
		if !ok || !isStringType(dt.ValueType) || !isStringType(f.Type) {
			continue
		}
		fields[i].Type = dt
		w.dtypes[i] = dt
		w.conv = true
	}
	md := src.Metadata()
	w.schema = arrow.NewSchema(fields, &md)
	return w
}

// Schema returns the schema of the records the writer passes on.
func (w *Writer) Schema() *arrow.Schema { return w.schema }

// Encodes reports whether some column is re-encoded: each record passed
// on then holds dictionaries of its own, to be written as a row group.
func (w *Writer) Encodes() bool { return w.conv }

// isStringType reports whether dt is one of the Arrow string types.
func isStringType(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	}
	return false
}

// stringValues is the reading side of the Arrow string arrays.
type stringValues interface {
	Value(i int) string
	IsNull(i int) bool
}

// Write gathers the rows of rec, writing the records it completes.
func (w *Writer) Write(rec arrow.RecordBatch) error {
	if !w.conv {
		return w.write(rec)
	}
	if int(rec.NumCols()) != len(w.dicts) {
		return fmt.Errorf("write %s: record of %d columns, want %d", w.schema, rec.NumCols(), len(w.dicts))
	}
	n := int(rec.NumRows())
	for start := 0; start < n; {
		room := w.maxRow - w.rows
		for _, d := range w.dicts {
			if d != nil {
				room = min(room, d.max-len(d.memo))
			}
		}
		if room <= 0 {
			if err := w.Flush(); err != nil {
				return err
			}
			continue
		}
		end := min(n, start+room)
		if err := w.gather(rec, start, end); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// gather adds the rows [start, end) of rec to the pending record.
func (w *Writer) gather(rec arrow.RecordBatch, start, end int) error {
	for j, c := range rec.Columns() {
		if w.dtypes[j] == nil {
			w.parts[j] = append(w.parts[j], array.NewSlice(c, int64(start), int64(end)))
			continue
		}
		d := w.dicts[j]
		if d == nil {
			d = w.newEncoder(j)
			w.dicts[j] = d
		}
		vals, ok := c.(stringValues)
		if !ok || !isStringType(c.DataType()) {
			return fmt.Errorf("column %q is %s, want a string", w.schema.Field(j).Name, c.DataType())
		}
		if err := d.add(vals, start, end); err != nil {
			return fmt.Errorf("column %q: %w", w.schema.Field(j).Name, err)
		}
	}
	w.rows += end - start
	return nil
}

func (w *Writer) newEncoder(j int) *dictEncoder {
	dt := w.dtypes[j]
	return &dictEncoder{b: array.NewBuilder(w.pool, dt).(*array.BinaryDictionaryBuilder),
		memo: map[string]int{}, max: Limit(dt.IndexType), lastIdx: -1}
}

// add appends the values [start, end) of vals.
func (d *dictEncoder) add(vals stringValues, start, end int) error {
	for i := start; i < end; i++ {
		if vals.IsNull(i) {
			d.flush()
			d.b.AppendNull()
			continue
		}
		v := vals.Value(i)
		if d.lastIdx >= 0 && v == d.last {
			d.pending = append(d.pending, d.lastIdx)
			continue
		}
		idx, ok := d.memo[v]
		if !ok {
			v = strings.Clone(v) // the engine's strings live in memory it reuses
			d.flush()
			if err := d.b.AppendString(v); err != nil {
				return fmt.Errorf("append dictionary value: %w", err)
			}
			idx = d.b.GetValueIndex(d.b.Len() - 1)
			d.memo[v] = idx
		} else {
			d.pending = append(d.pending, idx)
		}
		d.last, d.lastIdx = v, idx
	}
	return nil
}

func (d *dictEncoder) flush() {
	if len(d.pending) > 0 {
		d.b.AppendIndices(d.pending, nil)
		d.pending = d.pending[:0]
	}
}

// Flush writes the pending rows as one record.
func (w *Writer) Flush() error {
	if w.rows == 0 {
		return nil
	}
	cols := make([]arrow.Array, len(w.dicts))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for j := range cols {
		if d := w.dicts[j]; d != nil {
			d.flush()
			cols[j] = d.b.NewArray()
			d.b.Release()
			w.dicts[j] = nil
			continue
		}
		if w.dtypes[j] != nil { // no rows reached this column: cannot happen
			return fmt.Errorf("column %q: no values", w.schema.Field(j).Name)
		}
		parts := w.parts[j]
		if len(parts) == 1 {
			cols[j] = parts[0]
		} else {
			c, err := array.Concatenate(parts, w.pool)
			for _, p := range parts {
				p.Release()
			}
			if err != nil {
				w.parts[j] = nil
				return fmt.Errorf("column %q: %w", w.schema.Field(j).Name, err)
			}
			cols[j] = c
		}
		w.parts[j] = nil
	}
	rec := array.NewRecordBatch(w.schema, cols, int64(w.rows))
	defer rec.Release()
	w.rows = 0
	return w.write(rec)
}

// Release frees what is pending (after an error).
func (w *Writer) Release() {
	for j, d := range w.dicts {
		if d != nil {
			d.b.Release()
			w.dicts[j] = nil
		}
	}
	for j, parts := range w.parts {
		for _, p := range parts {
			p.Release()
		}
		w.parts[j] = nil
	}
	w.rows = 0
}
