package lakehouse

import (
	"slices"

	"github.com/micromegas-go/micromegas/internal/sqltext"
)

// Predicates of the SQL text that narrow the partitions a query reads.
//
// A query that says WHERE time >= '2026-01-01' AND time < '2026-01-02'
// about a view should read only the partitions overlapping that day, as if
// the range had come in the query_range headers; one that says msg LIKE
// '%text%' only the files whose trigram filter may hold the text
// (msgfilter.go), one that says trace_id = '...' only the files whose
// Bloom filter may hold the id (tracefilter.go). sqltext.FindBounds reads
// those predicates where that is certainly safe (its bounds.go says when)
// from the columns this file lists; findSQLRanges (timerange.go) evaluates
// the bounds.

// timeColumns are the time columns of each view whose comparisons prune
// partitions, following the event-time range the sink records for a row
// (noteRow): log_entries, measures and async_events record [time, time];
// thread_spans, goroutine_states and otel_spans [begin, end]; blocks [begin_time, max(end_time,
// insert_time)]; log_stats [time_bin, time_bin + 1 minute) (a bin
// counts events anywhere in its minute). Every row of a log_stats key
// (which queries sum across partitions) lies in a partition meeting its
// time_bin, so pruning on time_bin never changes a sum.
var timeColumns = map[string]map[string]sqltext.TimeColumn{
	LogEntriesView:      {"time": {Lower: true, Upper: true}},
	MeasuresView:        {"time": {Lower: true, Upper: true}},
	AsyncEventsView:     {"time": {Lower: true, Upper: true}},
	LogStatsView:        {"time_bin": {Lower: true, Upper: true}},
	MeasureStatsView:    {"time_bin": {Lower: true, Upper: true}},
	ThreadSpansView:     {"end": {Lower: true}, "begin": {Upper: true}},
	GoroutineStatesView: {"end": {Lower: true}, "begin": {Upper: true}},
	OtelSpansView:       {"end": {Lower: true}, "begin": {Upper: true}},
	BlocksView:          {"end_time": {Lower: true}, "insert_time": {Lower: true}, "begin_time": {Upper: true}},
}

// textColumns are the columns of each view whose files carry a trigram
// filter (msgfilter.go).
var textColumns = map[string]map[string]bool{LogEntriesView: {"msg": true}}

// idColumns are the columns of each view whose files carry a Bloom
// filter of their values (tracefilter.go).
var idColumns = map[string]map[string]bool{OtelSpansView: {"trace_id": true}}

// boundSchema is what sqltext.FindBounds knows of the views: the
// materialized global views by name, the views of view_instance by name.
var boundSchema = newBoundSchema()

func newBoundSchema() *sqltext.Schema {
	s := &sqltext.Schema{Tables: map[string]sqltext.Table{}, Instances: map[string]sqltext.Table{}}
	for name, cols := range timeColumns {
		t := sqltext.Table{Time: cols, Text: textColumns[name], IDs: idColumns[name]}
		s.Instances[name] = t
		v, ok := lookupView(name)
		if !ok || !v.materialized() {
			continue
		}
		for _, d := range viewSets {
			if d.sql != "" && slices.Contains(d.deps, name) {
				t.ReadBy = append(t.ReadBy, d.name)
			}
		}
		s.Tables[name] = t
	}
	return s
}
