//go:build duckdb_arrow

package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2/arrowmapping"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// streamReader is an array.RecordReader over a streaming DuckDB result.
// Each Next fetches one chunk (2048 rows) from DuckDB, which executes the
// query as far as needed to produce it; nothing is materialized.
//
// The reader does not own the connection: the session goroutine that
// created it keeps the connection (inside sql.Conn.Raw) until released is
// closed, then calls close and returns the connection to the pool.
type streamReader struct {
	ctx      context.Context
	refs     atomic.Int64
	released chan struct{} // closed when refs reaches 0
	once     sync.Once

	mu      sync.Mutex // held during fetches; guards the fields below
	closed  bool
	eof     bool // DuckDB returned the last chunk; fetching again is an error
	res     mapping.Result
	stmt    mapping.PreparedStatement
	opts    arrowmapping.ArrowOptions
	raw     *arrow.Schema // DuckDB's Arrow schema
	norm    *timeNormalizer
	current arrow.RecordBatch
	err     error
}

var _ array.RecordReader = (*streamReader)(nil)

func newStreamReader(ctx context.Context, res mapping.Result, stmt mapping.PreparedStatement, plan []resultColumn) (*streamReader, error) {
	opts := arrowmapping.ResultGetArrowOptions(&res)
	n := mapping.ColumnCount(&res)
	names := make([]string, n)
	types := make([]mapping.LogicalType, n)
	for i := range n {
		names[i] = mapping.ColumnName(&res, i)
		types[i] = mapping.ColumnLogicalType(&res, i)
	}
	schema, ed := arrowmapping.NewArrowSchema(opts, types, names)
	for i := range types {
		mapping.DestroyLogicalType(&types[i])
	}
	if err := errorData(ed); err != nil {
		arrowmapping.DestroyArrowOptions(&opts)
		return nil, fmt.Errorf("engine: arrow schema of the result: %w", err)
	}
	r := &streamReader{ctx: ctx, released: make(chan struct{}), res: res, stmt: stmt, opts: opts,
		raw: schema, norm: newTimeNormalizer(schema, plan)}
	r.refs.Store(1)
	return r, nil
}

// Schema returns the schema of the result, with the engine's timestamps.
func (r *streamReader) Schema() *arrow.Schema { return r.norm.out }

// Next fetches the next batch. It returns false at the end of the result,
// on error (see Err) and once the query's context is done.
func (r *streamReader) Next() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.current != nil {
		r.current.Release()
		r.current = nil
	}
	if r.err != nil || r.closed || r.eof {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return false
	}
	chunk := mapping.FetchChunk(r.res)
	if chunk.Ptr == nil {
		r.eof = true
		if msg := mapping.ResultError(&r.res); msg != "" {
			r.err = resultError(r.ctx, msg)
		}
		return false
	}
	defer mapping.DestroyDataChunk(&chunk)
	rec, ed := arrowmapping.DataChunkToArrowArray(r.opts, r.raw, chunk)
	if err := errorData(ed); err != nil {
		r.err = fmt.Errorf("engine: convert chunk to arrow: %w", err)
		return false
	}
	if r.current, r.err = r.norm.normalize(rec); r.err != nil {
		return false
	}
	return true
}

// RecordBatch returns the current batch, valid until the next call to Next.
func (r *streamReader) RecordBatch() arrow.RecordBatch {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.current
}

// Record is the deprecated name of RecordBatch.
func (r *streamReader) Record() arrow.RecordBatch { return r.RecordBatch() }

// Err returns the error that stopped Next, if any.
func (r *streamReader) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Retain adds a reference.
func (r *streamReader) Retain() { r.refs.Add(1) }

// Release drops a reference; the last one ends the query and hands the
// connection back to the pool.
func (r *streamReader) Release() {
	if r.refs.Add(-1) == 0 {
		r.once.Do(func() { close(r.released) })
	}
}

// close frees the DuckDB result. cause, when not nil, becomes the error of
// a reader that did not finish. The caller must hold r.mu.
func (r *streamReader) closeLocked(cause error) {
	if r.closed {
		return
	}
	r.closed = true
	if r.current != nil {
		r.current.Release()
		r.current = nil
	}
	if cause != nil && r.err == nil {
		r.err = cause
	}
	mapping.DestroyResult(&r.res)
	mapping.DestroyPrepare(&r.stmt)
	arrowmapping.DestroyArrowOptions(&r.opts)
}

// resultError converts the error message of a failed execution or fetch.
func resultError(ctx context.Context, msg string) error {
	if isInterrupt(msg) {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("engine: query stopped: %w", err)
		}
		return errors.New("engine: query interrupted")
	}
	return duckdbError(msg)
}

// errorData converts and destroys a DuckDB error data object.
func errorData(ed mapping.ErrorData) error {
	defer mapping.DestroyErrorData(&ed)
	if !mapping.ErrorDataHasError(ed) {
		return nil
	}
	return errors.New(mapping.ErrorDataMessage(ed))
}
