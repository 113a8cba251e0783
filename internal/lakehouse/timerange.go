package lakehouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/micromegas-go/micromegas/internal/catalog"
)

// boundMargin widens the bounds found in the SQL text, so that a
// difference of precision between our evaluation and the query's
// comparison (microsecond TIMESTAMP literals against TIMESTAMP_NS
// columns) never excludes a partition the query needs.
const boundMargin = time.Second

// timeRange is the event-time range a table of a query needs; a zero
// end is open.
type timeRange struct{ lo, hi time.Time }

// bounded reports whether the range excludes anything.
func (r timeRange) bounded() bool { return !r.lo.IsZero() || !r.hi.IsZero() }

// keepsPartition reports whether a partition's events may meet the range.
func (r timeRange) keepsPartition(p catalog.Partition) bool {
	return !(!r.hi.IsZero() && p.MinEventTime.After(r.hi)) && !(!r.lo.IsZero() && p.MaxEventTime.Before(r.lo))
}

// keepsBlock reports whether a block's events may meet the range (its
// row in the blocks view spans [begin_time, max(end_time, insert_time)]).
func (r timeRange) keepsBlock(b catalog.Block) bool {
	return !(!r.hi.IsZero() && b.BeginTime.After(r.hi)) && !(!r.lo.IsZero() && maxTime(b.EndTime, b.InsertTime).Before(r.lo))
}

// jitBounds returns the range as updateInstance takes it: both zero for
// no range, else both set.
func (r timeRange) jitBounds() (time.Time, time.Time) {
	if !r.bounded() {
		return time.Time{}, time.Time{}
	}
	lo, hi := r.lo, r.hi
	if lo.IsZero() {
		lo = time.Unix(0, 0).UTC().AddDate(-200, 0, 0)
	}
	if hi.IsZero() {
		hi = time.Unix(0, 0).UTC().AddDate(1000, 0, 0)
	}
	return lo, hi
}

// intersect narrows r by a lower and an upper bound (zero: none).
func (r timeRange) intersect(lo, hi time.Time) timeRange {
	if !lo.IsZero() && (r.lo.IsZero() || lo.After(r.lo)) {
		r.lo = lo
	}
	if !hi.IsZero() && (r.hi.IsZero() || hi.Before(r.hi)) {
		r.hi = hi
	}
	return r
}

// rangeFor returns the range of the table with the given key
// (instanceKey or a global view's name): the query_range headers
// narrowed by the bounds the SQL text puts on that table.
func (q *queryPlan) rangeFor(key string) timeRange {
	var r timeRange
	if q.opts.hasRange() {
		r = timeRange{lo: q.opts.Begin, hi: q.opts.End}
	}
	if s, ok := q.sqlRanges[key]; ok {
		r = r.intersect(s.lo, s.hi)
	}
	return r
}

// findSQLRanges sets q.sqlRanges from the time predicates of the query's
// text (timepredicates.go). The constants are evaluated by the engine in
// one SELECT; when that fails the query is simply not pruned (its own
// run reports the error).
func (q *queryPlan) findSQLRanges(ctx context.Context, toks []token, calls []call) {
	if q.describe {
		return
	}
	found := findTimeBounds(q.sql, toks, calls)
	if len(found) == 0 {
		return
	}
	type ref struct {
		key   string
		lower bool
	}
	var exprs []string
	var refs []ref
	for key, b := range found {
		for _, e := range b.lower {
			exprs, refs = append(exprs, "CAST(("+e+") AS TIMESTAMP_NS)"), append(refs, ref{key, true})
		}
		for _, e := range b.upper {
			exprs, refs = append(exprs, "CAST(("+e+") AS TIMESTAMP_NS)"), append(refs, ref{key, false})
		}
	}
	values, err := q.evalBounds(ctx, exprs)
	if err != nil {
		q.l.log.Debug("time predicates not used for pruning", "err", err)
		return
	}
	q.sqlRanges = map[string]timeRange{}
	for i, v := range values {
		if v == nil {
			continue // NULL: the comparison keeps no row, but prune nothing
		}
		r := q.sqlRanges[refs[i].key]
		if refs[i].lower {
			r = r.intersect(v.Add(-boundMargin), time.Time{})
		} else {
			r = r.intersect(time.Time{}, v.Add(boundMargin))
		}
		q.sqlRanges[refs[i].key] = r
	}
}

// evalBounds evaluates TIMESTAMP_NS expressions with the engine (nil for
// NULL).
func (q *queryPlan) evalBounds(ctx context.Context, exprs []string) ([]*time.Time, error) {
	rdr, err := q.l.opts.Engine.Query(ctx, "SELECT "+strings.Join(exprs, ", "), nil)
	if err != nil {
		return nil, fmt.Errorf("evaluate time bounds: %w", err)
	}
	defer rdr.Release()
	if !rdr.Next() {
		if err := rdr.Err(); err != nil {
			return nil, fmt.Errorf("evaluate time bounds: %w", err)
		}
		return nil, fmt.Errorf("evaluate time bounds: no row")
	}
	rec := rdr.RecordBatch()
	if rec.NumRows() != 1 || int(rec.NumCols()) != len(exprs) {
		return nil, fmt.Errorf("evaluate time bounds: got %d rows of %d columns", rec.NumRows(), rec.NumCols())
	}
	out := make([]*time.Time, len(exprs))
	for i, c := range rec.Columns() {
		ts, ok := c.(*array.Timestamp)
		if !ok {
			return nil, fmt.Errorf("evaluate time bounds: column %d is %s", i, c.DataType())
		}
		if ts.IsNull(0) {
			continue
		}
		unit := ts.DataType().(*arrow.TimestampType).Unit
		t := ts.Value(0).ToTime(unit).UTC()
		out[i] = &t
	}
	return out, nil
}
