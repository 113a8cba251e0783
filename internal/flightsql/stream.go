package flightsql

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/util"
)

// targetMessageBytes bounds the size of the record batches the server sends,
// by slicing larger ones: gRPC clients refuse messages above 4 MiB by
// default, and the arrow-go database/sql driver has no way to raise that.
const targetMessageBytes = 2 << 20

// queryRun is one query being answered, kept for its log line.
type queryRun struct {
	sql   string
	opts  QueryOptions
	start time.Time
	attrs []any // attribution headers
}

// streamQuery sends the batches of rdr on the returned channel from a new
// goroutine, which owns and releases rdr. It applies opts.Limit, decodes
// dictionaries into schema (the schema sent to the client) and stops as soon
// as ctx is done. It logs the query when it ends.
func (s *service) streamQuery(ctx context.Context, run queryRun, rdr array.RecordReader, schema *arrow.Schema) <-chan flight.StreamChunk {
	ch := make(chan flight.StreamChunk, 1)
	go func() {
		var (
			rows int64
			err  error
		)
		defer close(ch)
		defer func() {
			if v := recover(); v != nil {
				err = panicError(v)
				send(ctx, ch, flight.StreamChunk{Err: toStatus("query", err)})
			}
			rdr.Release()
			s.logQuery(ctx, run, rows, err)
		}()
		rows, err = s.pump(ctx, run.opts, rdr, schema, ch)
		if err != nil {
			send(ctx, ch, flight.StreamChunk{Err: toStatus("query", err)})
		}
	}()
	return ch
}

// pump copies batches from rdr to ch and returns the number of rows sent.
func (s *service) pump(ctx context.Context, opts QueryOptions, rdr array.RecordReader, schema *arrow.Schema, ch chan<- flight.StreamChunk) (int64, error) {
	var rows int64
	for rdr.Next() {
		if err := ctx.Err(); err != nil {
			return rows, err
		}
		rec := rdr.RecordBatch()
		n := rec.NumRows()
		if opts.Limit > 0 && rows+n > opts.Limit {
			n = opts.Limit - rows
		}
		if n > 0 {
			if err := s.sendBatch(ctx, rec, n, schema, ch); err != nil {
				return rows, err
			}
			rows += n
		}
		if opts.Limit > 0 && rows >= opts.Limit {
			return rows, ctx.Err()
		}
	}
	if err := rdr.Err(); err != nil {
		return rows, err
	}
	return rows, ctx.Err()
}

// sendBatch sends the first n rows of rec, decoded and sliced to messages of
// about targetMessageBytes.
func (s *service) sendBatch(ctx context.Context, rec arrow.RecordBatch, n int64, schema *arrow.Schema, ch chan<- flight.StreamChunk) error {
	out, err := hydrate(ctx, rec, schema)
	if err != nil {
		return err
	}
	defer out.Release()
	size := util.TotalRecordSize(out) * n / max(out.NumRows(), 1)
	pieces := max(size/targetMessageBytes+1, 1)
	step := max((n+pieces-1)/pieces, 1)
	for off := int64(0); off < n; off += step {
		piece := out.NewSlice(off, min(off+step, n))
		if !send(ctx, ch, flight.StreamChunk{Data: piece}) {
			piece.Release()
			return ctx.Err()
		}
	}
	return nil
}

// send delivers c unless ctx is done first; it reports whether c was sent.
func send(ctx context.Context, ch chan<- flight.StreamChunk, c flight.StreamChunk) bool {
	select {
	case ch <- c:
		return true
	case <-ctx.Done():
		return false
	}
}

// logQuery writes one line per query: at Debug level when it succeeded or
// the client gave up, at Warn when it failed, so that a server's console
// shows problems and not routine traffic.
func (s *service) logQuery(ctx context.Context, run queryRun, rows int64, err error) {
	attrs := []any{
		"sql", run.sql,
		"duration", time.Since(run.start),
		"rows", rows,
	}
	if run.opts.HasRange() {
		attrs = append(attrs, "begin", run.opts.Begin, "end", run.opts.End)
	}
	if run.opts.Limit > 0 {
		attrs = append(attrs, "limit", run.opts.Limit)
	}
	attrs = append(attrs, run.attrs...)
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	s.logger.Log(context.WithoutCancel(ctx), logLevel(err), "query", attrs...)
}

// logLevel is the level of the log line of a call that ended with err.
func logLevel(err error) slog.Level {
	if err == nil || errors.Is(err, context.Canceled) {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}
