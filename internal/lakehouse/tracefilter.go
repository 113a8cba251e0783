package lakehouse

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/micromegas-go/micromegas/internal/bloom"
	"github.com/micromegas-go/micromegas/internal/engine"
)

// Trace id filters.
//
// Every Parquet file of an otel_spans partition (written from blocks by
// writePartition, global or per process, and by merges in writeQueried)
// carries in its footer's key-value metadata, under traceIDsKey, the
// Bloom filter of its trace_id values (package bloom). Queries with
// trace_id = 'literal' or trace_id IN ('a', 'b', ...) skip the files
// whose filter has none of the literals (sqltext/ids.go). The per-query
// tail files carry none, and files without the key are always read.

// traceIDsKey is the key of the filter in a file's metadata.
const traceIDsKey = "micromegas.trace_ids.v1"

// traceIDs computes the filter of the trace_id column of the records of
// a file being written.
type traceIDs struct {
	col int // the trace_id column
	f   *bloom.Filter
	bad bool // a record's trace_id column had a type add does not read
}

// newTraceIDs returns the filter builder of the files of view with
// records of schema and about rows rows (0: unknown, the largest
// filter, folded when stored), or nil when such files carry no filter.
func newTraceIDs(view string, schema *arrow.Schema, rows int64) *traceIDs {
	if view != OtelSpansView {
		return nil
	}
	idx := schema.FieldIndices("trace_id")
	if len(idx) != 1 {
		return nil
	}
	n := int(min(rows, 256*bloom.MaxBlocks/bloom.BitsPerKey))
	if rows <= 0 {
		n = 256 * bloom.MaxBlocks / bloom.BitsPerKey
	}
	return &traceIDs{col: idx[0], f: bloom.New(n)}
}

// add adds the trace ids of rec.
func (t *traceIDs) add(rec arrow.RecordBatch) {
	if t == nil {
		return
	}
	switch c := rec.Column(t.col).(type) {
	case *array.String:
		for i := range c.Len() {
			t.f.Add(c.Value(i))
		}
	case *array.StringView:
		for i := range c.Len() {
			t.f.Add(c.Value(i))
		}
	default:
		t.bad = true
	}
}

// wrap returns put adding each record to the filter first.
func (t *traceIDs) wrap(put func(arrow.RecordBatch) error) func(arrow.RecordBatch) error {
	if t == nil {
		return put
	}
	return func(rec arrow.RecordBatch) error {
		t.add(rec)
		return put(rec)
	}
}

// store writes the filter in the metadata of pw's file, unless a record
// could not be read (the file is then always read).
func (t *traceIDs) store(pw *engine.ParquetWriter) error {
	if t == nil || t.bad {
		return nil
	}
	return pw.SetKeyValue(traceIDsKey, t.f.Encode())
}

// mayHoldAny reports whether a file whose filter is f may hold one of
// ids (f nil: no filter, always).
func mayHoldAny(f *bloom.Filter, ids []string) bool {
	if f == nil {
		return true
	}
	for _, id := range ids {
		if f.MayContain(id) {
			return true
		}
	}
	return false
}
