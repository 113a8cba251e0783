package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/sqltext"
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
// text (sqltext.FindBounds over timepredicates.go), q.sqlNeedles from its substring
// predicates (sqltext/needles.go) and q.sqlIDs from its trace id equalities
// (sqltext/ids.go). The constants are evaluated by the engine in
// one SELECT, with the values of the parameter markers they hold bound
// as the query binds them; when that fails the query is simply not
// pruned (its own run reports the error).
func (q *queryPlan) findSQLRanges(ctx context.Context, toks []sqltext.Token, calls []sqltext.Call) {
	if q.describe {
		return
	}
	found := sqltext.FindBounds(q.sql, toks, calls, boundSchema)
	if len(found) == 0 {
		return
	}
	for key, b := range found {
		if len(b.Needles) > 0 {
			if q.sqlNeedles == nil {
				q.sqlNeedles = map[string][]string{}
			}
			q.sqlNeedles[key] = b.Needles
		}
		if len(b.IDs) > 0 {
			if q.sqlIDs == nil {
				q.sqlIDs = map[string][]string{}
			}
			q.sqlIDs[key] = b.IDs
		}
	}
	marks, err := sqltext.Placeholders(toks)
	marksOK := err == nil
	uses := map[int]int{}
	for _, m := range marks {
		uses[m.Index]++
	}
	type ref struct {
		key   string
		lower bool
	}
	var exprs []string
	var refs []ref
	var args []any
	addExpr := func(key string, e sqltext.Expr, lower bool) {
		text, values, ok := q.bindBound(e, marks, uses, marksOK, len(args))
		if !ok {
			return
		}
		exprs, refs = append(exprs, "CAST(("+text+") AS TIMESTAMP_NS)"), append(refs, ref{key, lower})
		args = append(args, values...)
	}
	for key, b := range found {
		for _, e := range b.Lower {
			addExpr(key, e, true)
		}
		for _, e := range b.Upper {
			addExpr(key, e, false)
		}
	}
	if len(exprs) == 0 {
		return
	}
	values, err := q.evalBounds(ctx, exprs, args)
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

// bindBound returns the text of the bound e for the evaluating SELECT,
// its markers renumbered from $(bound+1), with the values they take.
// ok is false when a marker's value is unknown or ambiguous: not bound,
// of a type other than time.Time or string, or a parameter the query
// uses more than once (its type is then inferred from several places).
func (q *queryPlan) bindBound(e sqltext.Expr, marks []sqltext.Placeholder, uses map[int]int, marksOK bool, bound int) (text string, values []any, ok bool) {
	if !marksOK && strings.ContainsAny(e.Text, "?$") {
		return "", nil, false // markers we could not read
	}
	text, err := sqltext.Rewrite(q.sql, e.Start, e.End, marks, func(m sqltext.Placeholder) (string, error) {
		if m.Index >= len(q.args) || uses[m.Index] != 1 {
			return "", errUnboundMarker
		}
		switch v := q.args[m.Index].(type) {
		case time.Time:
		case string:
			if !utf8.ValidString(v) {
				return "", errUnboundMarker
			}
		default:
			return "", errUnboundMarker
		}
		values = append(values, q.args[m.Index])
		return "$" + strconv.Itoa(bound+len(values)), nil
	})
	if err != nil {
		return "", nil, false
	}
	return text, values, true
}

// errUnboundMarker stops bindBound at a marker whose value it cannot use.
var errUnboundMarker = errors.New("marker value unknown or ambiguous")

// evalBounds evaluates TIMESTAMP_NS expressions with the engine, args
// bound to their markers (nil for NULL).
func (q *queryPlan) evalBounds(ctx context.Context, exprs []string, args []any) ([]*time.Time, error) {
	rdr, err := q.l.opts.Engine.QueryArgs(ctx, "SELECT "+strings.Join(exprs, ", "), nil, args)
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
