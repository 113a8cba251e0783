package app

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/micromegas-go/micromegas/internal/flightsql"
	"github.com/micromegas-go/micromegas/internal/perfetto"
)

// perfettoChunksSchema is the result of perfetto_trace_chunks (spec 6).
var perfettoChunksSchema = arrow.NewSchema([]arrow.Field{
	{Name: "chunk_id", Type: arrow.PrimitiveTypes.Int32},
	{Name: "chunk_data", Type: arrow.BinaryTypes.Binary},
}, nil)

// perfettoChunksQuery matches the statements that read
// perfetto_trace_chunks(process_id, span_types, begin, end) whole, as the
// original's Python client does:
//
//	SELECT chunk_id, chunk_data FROM perfetto_trace_chunks('<pid>', 'both',
//	    TIMESTAMP '<begin>', TIMESTAMP '<end>') [ORDER BY chunk_id]
//
// The lakehouse has no hook for table functions written in Go, so the
// querier answers these statements itself; the function cannot be joined
// or filtered in SQL.
var perfettoChunksQuery = regexp.MustCompile(`(?is)^\s*SELECT\s+(\*|chunk_id\s*,\s*chunk_data)\s+FROM\s+perfetto_trace_chunks\s*\((.*)\)\s*(?:ORDER\s+BY\s+chunk_id(?:\s+ASC)?)?\s*;?\s*$`)

// perfettoArg matches one argument: 'text' or TIMESTAMP 'text'.
var perfettoArg = regexp.MustCompile(`(?is)^\s*(TIMESTAMP\s+)?'((?:[^']|'')*)'\s*(?:,|$)`)

// perfettoCall is a parsed call of perfetto_trace_chunks.
type perfettoCall struct {
	processID  string
	spans      perfetto.SpanTypes
	begin, end time.Time
}

// parsePerfettoCall reports whether sql reads perfetto_trace_chunks and
// returns its arguments.
func parsePerfettoCall(sql string) (perfettoCall, bool, error) {
	m := perfettoChunksQuery.FindStringSubmatch(sql)
	if m == nil {
		return perfettoCall{}, false, nil
	}
	var args []string
	rest := m[2]
	for strings.TrimSpace(rest) != "" {
		a := perfettoArg.FindStringSubmatch(rest)
		if a == nil {
			return perfettoCall{}, true, invalidPerfetto("cannot read the arguments %q", m[2])
		}
		args = append(args, strings.ReplaceAll(a[2], "''", "'"))
		rest = rest[len(a[0]):]
	}
	if len(args) != 4 {
		return perfettoCall{}, true, invalidPerfetto("takes 4 arguments, got %d", len(args))
	}
	c := perfettoCall{processID: args[0]}
	var err error
	if c.spans, err = perfetto.ParseSpanTypes(args[1]); err != nil {
		return c, true, invalidPerfetto("%v", err)
	}
	for i, t := range []*time.Time{&c.begin, &c.end} {
		if *t, err = parseSQLTime(args[2+i]); err != nil {
			return c, true, invalidPerfetto("argument %d: %v", 3+i, err)
		}
	}
	return c, true, nil
}

func invalidPerfetto(format string, args ...any) error {
	return &flightsql.InvalidQueryError{Err: fmt.Errorf("perfetto_trace_chunks(process_id, span_types, begin, end): "+format, args...)}
}

// parseSQLTime reads the timestamps clients write in SQL: RFC3339, or
// "2006-01-02 15:04:05" forms with an optional zone (UTC by default).
func parseSQLTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a timestamp such as 2024-01-02T03:04:05Z", s)
}

// perfettoSource reads the data of traces through the querier.
func (q querier) perfettoSource() perfetto.SQLSource {
	return perfetto.SQLSource{Query: func(ctx context.Context, sql string, b, e time.Time) (array.RecordReader, error) {
		return q.Query(ctx, sql, flightsql.QueryOptions{Begin: b, End: e})
	}}
}

// checkPerfettoProcess fails, before any streaming, when the process of
// the call is unknown.
func (q querier) checkPerfettoProcess(ctx context.Context, c perfettoCall) error {
	if _, err := q.perfettoSource().ProcessExe(ctx, c.processID); err != nil {
		if errors.Is(err, perfetto.ErrProcessNotFound) {
			return invalidPerfetto("process %s not found", c.processID)
		}
		return err
	}
	return nil
}

// queryPerfettoChunks streams the trace of c as (chunk_id, chunk_data)
// batches while it is generated.
func (q querier) queryPerfettoChunks(ctx context.Context, c perfettoCall, opts flightsql.QueryOptions) (array.RecordReader, error) {
	src := q.perfettoSource()
	if err := q.checkPerfettoProcess(ctx, c); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &chunkReader{ch: make(chan arrow.RecordBatch, 2), cancel: cancel}
	r.refs.Store(1)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(r.ch)
		b := array.NewRecordBuilder(memory.DefaultAllocator, perfettoChunksSchema)
		defer b.Release()
		send := func() bool {
			rec := b.NewRecordBatch()
			select {
			case r.ch <- rec:
				return true
			case <-ctx.Done():
				rec.Release()
				return false
			}
		}
		cw := &perfetto.ChunkWriter{Emit: func(id int32, chunk []byte) error {
			b.Field(0).(*array.Int32Builder).Append(id)
			b.Field(1).(*array.BinaryBuilder).Append(chunk)
			if b.Field(0).Len() == 64 && !send() {
				return ctx.Err()
			}
			return nil
		}}
		err := perfetto.Generate(ctx, src, c.processID, perfetto.Options{Begin: c.begin, End: c.end, Spans: c.spans}, cw)
		if err == nil {
			err = cw.Close()
		}
		if err == nil && b.Field(0).Len() > 0 && !send() {
			err = ctx.Err()
		}
		r.err = err
	}()
	if opts.Limit > 0 {
		return &limitedChunks{chunkReader: r, left: opts.Limit}, nil
	}
	return r, nil
}

// chunkReader reads the batches of a trace being generated.
type chunkReader struct {
	ch     chan arrow.RecordBatch
	cancel context.CancelFunc
	wg     sync.WaitGroup
	cur    arrow.RecordBatch
	err    error // set by the generator before it closes ch
	refs   atomic.Int64
	once   sync.Once
}

func (r *chunkReader) Schema() *arrow.Schema { return perfettoChunksSchema }

func (r *chunkReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	rec, ok := <-r.ch
	r.cur = rec
	return ok
}

func (r *chunkReader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *chunkReader) Record() arrow.RecordBatch      { return r.cur }

// Err is the generator's error, once Next has returned false.
func (r *chunkReader) Err() error { return r.err }

// Retain adds a reference.
func (r *chunkReader) Retain() { r.refs.Add(1) }

// Release drops a reference; the last one stops the generator and frees
// the batches.
func (r *chunkReader) Release() {
	if r.refs.Add(-1) > 0 {
		return
	}
	r.once.Do(func() {
		r.cancel()
		for rec := range r.ch {
			rec.Release()
		}
		r.wg.Wait()
		if r.cur != nil {
			r.cur.Release()
			r.cur = nil
		}
	})
}

// limitedChunks stops after a number of chunk rows (the limit header).
type limitedChunks struct {
	*chunkReader
	left int64
}

func (l *limitedChunks) Next() bool {
	if l.left <= 0 {
		return false
	}
	if !l.chunkReader.Next() {
		return false
	}
	if n := l.cur.NumRows(); n > l.left {
		s := l.cur.NewSlice(0, l.left)
		l.cur.Release()
		l.cur = s
	}
	l.left -= l.cur.NumRows()
	return true
}
