package engine

import (
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// DefaultTargetBatchRows is a batch size suited to Arrow Flight transport:
// large enough to amortize per-message costs, small enough to stream.
const DefaultTargetBatchRows = 64 * 1024

// Coalesce returns a reader that concatenates consecutive batches of r into
// batches of at least rows rows (the last batch may be smaller; a batch of
// r that is already large enough passes through unchanged). DuckDB produces
// 2048-row batches, which cost one Flight message each.
//
// The returned reader takes ownership of r: releasing it releases r.
func Coalesce(r array.RecordReader, rows int) array.RecordReader {
	c := &coalescer{src: r, rows: int64(rows), mem: memory.DefaultAllocator}
	c.refs.Store(1)
	return c
}

type coalescer struct {
	refs    atomic.Int64
	src     array.RecordReader
	rows    int64
	mem     memory.Allocator
	current arrow.RecordBatch
	err     error
}

func (c *coalescer) Schema() *arrow.Schema { return c.src.Schema() }

func (c *coalescer) Next() bool {
	if c.current != nil {
		c.current.Release()
		c.current = nil
	}
	if c.err != nil {
		return false
	}
	var parts []arrow.RecordBatch
	var n int64
	for n < c.rows && c.src.Next() {
		rec := c.src.RecordBatch()
		rec.Retain()
		parts = append(parts, rec)
		n += rec.NumRows()
	}
	switch len(parts) {
	case 0:
		return false
	case 1:
		c.current = parts[0]
		return true
	}
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	cols := make([]arrow.Array, c.src.Schema().NumFields())
	chunks := make([]arrow.Array, len(parts))
	for i := range cols {
		for j, p := range parts {
			chunks[j] = p.Column(i)
		}
		col, err := array.Concatenate(chunks, c.mem)
		if err != nil {
			for _, done := range cols[:i] {
				done.Release()
			}
			c.err = fmt.Errorf("engine: coalesce column %q: %w", c.src.Schema().Field(i).Name, err)
			return false
		}
		cols[i] = col
	}
	c.current = array.NewRecordBatch(c.src.Schema(), cols, n)
	for _, col := range cols {
		col.Release()
	}
	return true
}

func (c *coalescer) RecordBatch() arrow.RecordBatch { return c.current }

// Record is the deprecated name of RecordBatch.
func (c *coalescer) Record() arrow.RecordBatch { return c.current }

func (c *coalescer) Err() error {
	if c.err != nil {
		return c.err
	}
	return c.src.Err()
}

func (c *coalescer) Retain() { c.refs.Add(1) }

func (c *coalescer) Release() {
	if c.refs.Add(-1) != 0 {
		return
	}
	if c.current != nil {
		c.current.Release()
		c.current = nil
	}
	c.src.Release()
}
