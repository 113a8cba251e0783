package perfetto

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// QueryFunc runs SQL, with [begin, end] as the query time range when both
// are set, and returns a reader the caller releases.
type QueryFunc func(ctx context.Context, sql string, begin, end time.Time) (array.RecordReader, error)

// SQLSource reads the data of a trace with SQL over the Micromegas views
// (processes, blocks, thread_spans, async_events, goroutine_states), through any query
// path: the FlightSQL client or the server's own engine.
type SQLSource struct {
	Query QueryFunc
}

// ProcessExe reads the process's exe from the processes view.
func (s SQLSource) ProcessExe(ctx context.Context, processID string) (string, error) {
	var exe string
	found := false
	err := s.rows(ctx, "SELECT exe FROM processes WHERE process_id = "+quote(processID)+" LIMIT 1",
		time.Time{}, time.Time{}, func(r row) error {
			found = true
			exe = r.str(0)
			return nil
		})
	if err != nil {
		return "", err
	}
	if !found {
		return "", ErrProcessNotFound
	}
	return exe, nil
}

// Threads lists the cpu streams of the process from the blocks view.
func (s SQLSource) Threads(ctx context.Context, processID string) ([]Thread, error) {
	var out []Thread
	sql := `SELECT stream_id, property_get("streams.properties", 'thread-name') AS thread_name,
		property_get("streams.properties", 'thread-id') AS thread_id
		FROM blocks WHERE process_id = ` + quote(processID) + ` AND list_contains("streams.tags", 'cpu')
		GROUP BY ALL ORDER BY stream_id`
	err := s.rows(ctx, sql, time.Time{}, time.Time{}, func(r row) error {
		th := Thread{StreamID: r.str(0), Name: r.str(1), ID: r.str(2)}
		if th.Name == "" {
			th.Name = th.ID
		}
		out = append(out, th)
		return nil
	})
	return out, err
}

// ThreadSpans reads view_instance('thread_spans', stream_id).
func (s SQLSource) ThreadSpans(ctx context.Context, streamID string, begin, end time.Time, fn func(Span) error) error {
	sql := `SELECT "begin", "end", depth, name, target, filename, line
		FROM view_instance('thread_spans', ` + quote(streamID) + `)
		WHERE "begin" <= ` + timestamp(end) + ` AND "end" >= ` + timestamp(begin) + `
		ORDER BY "begin", depth`
	return s.spans(ctx, sql, begin, end, fn)
}

// AsyncSpans joins the begin and end events of
// view_instance('async_events', process_id) on span_id.
func (s SQLSource) AsyncSpans(ctx context.Context, processID string, begin, end time.Time, fn func(Span) error) error {
	sql := `WITH ev AS (SELECT * FROM view_instance('async_events', ` + quote(processID) + `))
		SELECT b."time" AS "begin", e."time" AS "end", b.depth, b.name, b.target, b.filename, b.line
		FROM ev b JOIN ev e ON b.span_id = e.span_id
		WHERE b.event_type = 'begin' AND e.event_type = 'end' AND b."time" < e."time"
		AND b."time" <= ` + timestamp(end) + ` AND e."time" >= ` + timestamp(begin) + `
		ORDER BY b."time", b.depth`
	return s.spans(ctx, sql, begin, end, fn)
}

// GoroutineStates reads view_instance('goroutine_states', process_id):
// the execution-trace snapshots of the process.
func (s SQLSource) GoroutineStates(ctx context.Context, processID string, begin, end time.Time, fn func(GoroutineState) error) error {
	sql := `SELECT goroutine_id, max(goroutine_name) OVER (PARTITION BY goroutine_id) AS name, state, reason,
		"begin", "end", function, filename, line
		FROM view_instance('goroutine_states', ` + quote(processID) + `)
		WHERE "begin" <= ` + timestamp(end) + ` AND "end" >= ` + timestamp(begin) + `
		ORDER BY goroutine_id, "begin", "end"`
	return s.rows(ctx, sql, begin, end, func(r row) error {
		return fn(GoroutineState{Goroutine: r.int(0), Name: r.str(1), State: r.str(2), Reason: r.str(3),
			Begin: r.time(4), End: r.time(5), Function: r.str(6), File: r.str(7), Line: uint32(r.int(8))})
	})
}

var _ GoroutineSource = SQLSource{}

func (s SQLSource) spans(ctx context.Context, sql string, begin, end time.Time, fn func(Span) error) error {
	return s.rows(ctx, sql, begin, end, func(r row) error {
		return fn(Span{Begin: r.time(0), End: r.time(1), Depth: uint32(r.int(2)), Name: r.str(3),
			Target: r.str(4), File: r.str(5), Line: uint32(r.int(6))})
	})
}

// rows runs sql and calls fn for every row.
func (s SQLSource) rows(ctx context.Context, sql string, begin, end time.Time, fn func(row) error) error {
	rdr, err := s.Query(ctx, sql, begin, end)
	if err != nil {
		return err
	}
	defer rdr.Release()
	for rdr.Next() {
		rec := rdr.RecordBatch()
		for i := range int(rec.NumRows()) {
			if err := fn(row{rec, i}); err != nil {
				return err
			}
		}
	}
	return rdr.Err()
}

// row reads the cells of one result row; nulls read as zero values.
type row struct {
	rec arrow.RecordBatch
	i   int
}

func (r row) str(c int) string {
	return cellString(r.rec.Column(c), r.i)
}

// cellString returns a copy of a string cell: Arrow strings point into the
// batch's buffers, which the next batch may reuse.
func cellString(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return ""
	}
	switch a := col.(type) {
	case *array.String:
		return strings.Clone(a.Value(i))
	case *array.LargeString:
		return strings.Clone(a.Value(i))
	case *array.StringView:
		return strings.Clone(a.Value(i))
	case *array.Dictionary:
		return cellString(a.Dictionary(), a.GetValueIndex(i))
	}
	return col.ValueStr(i)
}

func (r row) int(c int) int64 {
	col := r.rec.Column(c)
	if col.IsNull(r.i) {
		return 0
	}
	switch a := col.(type) {
	case *array.Int32:
		return int64(a.Value(r.i))
	case *array.Int64:
		return a.Value(r.i)
	case *array.Uint32:
		return int64(a.Value(r.i))
	case *array.Uint64:
		return int64(a.Value(r.i))
	case *array.Int16:
		return int64(a.Value(r.i))
	case *array.Uint16:
		return int64(a.Value(r.i))
	}
	return 0
}

func (r row) time(c int) time.Time {
	col := r.rec.Column(c)
	a, ok := col.(*array.Timestamp)
	if !ok || a.IsNull(r.i) {
		return time.Time{}
	}
	return a.Value(r.i).ToTime(a.DataType().(*arrow.TimestampType).Unit)
}

// quote is a SQL string literal of s.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// timestamp is a SQL literal of t with nanoseconds.
func timestamp(t time.Time) string {
	return fmt.Sprintf("CAST('%s' AS TIMESTAMP_NS)", t.UTC().Format("2006-01-02 15:04:05.999999999"))
}

// TimeRange returns the span of time covered by the blocks of the
// process, the default range of a trace.
func (s SQLSource) TimeRange(ctx context.Context, processID string) (begin, end time.Time, err error) {
	found := false
	err = s.rows(ctx, "SELECT min(begin_time), max(end_time) FROM blocks WHERE process_id = "+quote(processID),
		time.Time{}, time.Time{}, func(r row) error {
			begin, end = r.time(0), r.time(1)
			found = !begin.IsZero()
			return nil
		})
	if err == nil && !found {
		err = ErrProcessNotFound
	}
	return begin, end, err
}
