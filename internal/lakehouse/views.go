package lakehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/micromegas-go/micromegas/internal/catalog"
)

// instanceKind says what the instance id of a view_instance names.
type instanceKind uint8

const (
	noInstance instanceKind = iota
	perProcess
	perStream
)

// viewSet describes one view set: its schema, how rows come from blocks,
// and how it is instanced and filtered by time.
type viewSet struct {
	name   string
	schema *arrow.Schema
	// hash versions the file schema: partitions with another hash are
	// ignored and rebuilt.
	hash []byte
	// tag selects the source blocks by stream tag ("" = every block).
	tag string
	// global views have a "global" instance materialized by the daemon
	// (or, for derived views, computed from other views by sql).
	global bool
	// instance is the kind of id view_instance takes (noInstance: none).
	instance instanceKind
	// appendBlock converts one block (nil for thread_spans, which
	// converts runs of blocks, and for derived views).
	appendBlock func(l *Lakehouse, ctx context.Context, s *sink, b catalog.Block, m *streamMeta) error
	// maxDelta is the largest partition the daemon compacts into.
	maxDelta time.Duration
	// timeFilter returns the SQL predicate selecting the rows of [begin,
	// end] (both SQL timestamp literals).
	timeFilter func(begin, end string) string
	// rowsInEventRange means timeFilter only compares columns that every
	// row of a partition holds within [MinEventTime, MaxEventTime], so a
	// partition inside the query range needs no filter.
	rowsInEventRange bool
	// sql defines a derived view over deps.
	sql  string
	deps []string
	// reaggregate, for a materialized view whose partitions may repeat a
	// key, is the SELECT (with %s for the table of the partitions) that
	// queries read the view through; merge is the one compaction writes.
	reaggregate, merge string
	// rowSchema, when set, is the schema of the rows appendBlock makes,
	// when they differ from schema (re-aggregated views: the engine sums
	// them before a partition is written).
	rowSchema *arrow.Schema
	// notNull names the columns that hold no null (schema.go); results
	// that read them unchanged declare them non-nullable.
	notNull []string
	// order, when set, is the ORDER BY of the merges of the view's
	// partitions (otel_spans: by trace id).
	order string
}

// sinkSchema returns the schema of the rows appendBlock makes.
func (v *viewSet) sinkSchema() *arrow.Schema {
	if v.rowSchema != nil {
		return v.rowSchema
	}
	return v.schema
}

func eventTimeFilter(begin, end string) string {
	return fmt.Sprintf(`"time" BETWEEN %s AND %s`, begin, end)
}

// viewSets lists every view set, in the order the daemon updates them.
var viewSets = []*viewSet{
	{
		// Hashes 3, 2 and 2: properties as JSON text (props.go).
		name: BlocksView, schema: BlocksSchema, hash: []byte{3}, global: true, maxDelta: 24 * time.Hour,
		notNull:     blocksNotNull,
		appendBlock: (*Lakehouse).appendBlockRow,
		timeFilter: func(begin, end string) string {
			return fmt.Sprintf(`begin_time <= %s AND insert_time >= %s`, end, begin)
		},
	},
	{
		name: LogEntriesView, schema: LogEntriesSchema, hash: []byte{2}, tag: "log", global: true, notNull: logEntriesNotNull,
		instance: perProcess, maxDelta: time.Hour, appendBlock: (*Lakehouse).appendLogBlock, timeFilter: eventTimeFilter,
		rowsInEventRange: true,
	},
	{
		name: MeasuresView, schema: MeasuresSchema, hash: []byte{2}, tag: "metrics", global: true, notNull: measuresNotNull,
		instance: perProcess, maxDelta: time.Hour, appendBlock: (*Lakehouse).appendMetricsBlock, timeFilter: eventTimeFilter,
		rowsInEventRange: true,
	},
	{
		name: LogStatsView, schema: LogStatsSchema, hash: []byte{1}, tag: "log", global: true, maxDelta: 24 * time.Hour,
		appendBlock: (*Lakehouse).appendLogStatsBlock, timeFilter: logStatsFilter,
		reaggregate: logStatsSQL, merge: logStatsMergeSQL, rowSchema: logStatsRowSchema, notNull: logStatsNotNull,
	},
	{
		// Hash 2: the deltas of cumulative histograms (cumulative.go).
		name: MeasureStatsView, schema: MeasureStatsSchema, hash: []byte{2}, tag: "metrics", global: true, maxDelta: 24 * time.Hour,
		appendBlock: (*Lakehouse).appendMeasureStatsBlock, timeFilter: logStatsFilter,
		reaggregate: measureStatsSQL, merge: measureStatsMergeSQL, rowSchema: measureStatsRowSchema,
		notNull: measureStatsNotNull,
	},
	{
		name: OtelSpansView, schema: OtelSpansSchema, hash: []byte{1}, tag: "traces", global: true,
		instance: perProcess, maxDelta: time.Hour, appendBlock: (*Lakehouse).appendOtelSpansBlock,
		timeFilter: spanTimeFilter, rowsInEventRange: true, order: `trace_id, "begin"`,
	},
	{
		name: ThreadSpansView, schema: ThreadSpansSchema, hash: []byte{1}, tag: "cpu", instance: perStream,
		rowsInEventRange: true,
		timeFilter: func(begin, end string) string {
			return fmt.Sprintf(`"begin" <= %s AND "end" >= %s`, end, begin)
		},
	},
	{
		// Hash 2: the trace_id, otel_span_id and otel_parent_span_id columns;
		// 3: status, request_bytes and response_bytes.
		name: AsyncEventsView, schema: AsyncEventsSchema, hash: []byte{3}, tag: "cpu", instance: perProcess,
		appendBlock: (*Lakehouse).appendAsyncBlock, timeFilter: eventTimeFilter, rowsInEventRange: true,
	},
	{
		name: GoroutineStatesView, schema: GoroutineStatesSchema, hash: []byte{1}, tag: goTraceTag, instance: perProcess,
		appendBlock: (*Lakehouse).appendGoTraceBlock, rowsInEventRange: true,
		timeFilter: func(begin, end string) string {
			return fmt.Sprintf(`"begin" <= %s AND "end" >= %s`, end, begin)
		},
	},
	{
		name: ProcessesView, schema: ProcessesSchema, global: true, deps: []string{BlocksView}, notNull: []string{"process_id"},
		sql: `SELECT process_id,
			first("processes.exe") AS exe, first("processes.username") AS username,
			first("processes.realname") AS realname, first("processes.computer") AS computer,
			first("processes.distro") AS distro, first("processes.cpu_brand") AS cpu_brand,
			first("processes.tsc_frequency") AS tsc_frequency, first("processes.start_time") AS start_time,
			first("processes.start_ticks") AS start_ticks, first("processes.insert_time") AS insert_time,
			first("processes.parent_process_id") AS parent_process_id, first("processes.properties") AS properties,
			max(insert_time) AS last_update_time, max(end_ticks) AS last_block_end_ticks,
			max(end_time) AS last_block_end_time
			FROM blocks GROUP BY process_id`,
	},
	{
		name: StreamsView, schema: StreamsSchema, global: true, deps: []string{BlocksView}, notNull: []string{"stream_id"},
		sql: `SELECT stream_id, first(process_id) AS process_id,
			first("streams.dependencies_metadata") AS dependencies_metadata,
			first("streams.objects_metadata") AS objects_metadata, first("streams.tags") AS tags,
			first("streams.properties") AS properties, first("streams.insert_time") AS insert_time,
			max(insert_time) AS last_update_time
			FROM blocks GROUP BY stream_id`,
	},
}

// lookupView returns the view set called name.
func lookupView(name string) (*viewSet, bool) {
	for _, v := range viewSets {
		if v.name == name {
			return v, true
		}
	}
	return nil, false
}

// materialized reports whether the view's global instance is made of
// partitions (not computed with SQL).
func (v *viewSet) materialized() bool { return v.global && v.sql == "" }

// ViewInfo describes a view set for discovery (list_view_sets,
// FlightSQL GetTables).
type ViewInfo struct {
	Name   string
	Schema *arrow.Schema
	// SchemaHash versions the partition files of the view.
	SchemaHash []byte
	// Global is true when the view is a table of its own; otherwise it is
	// only reachable through view_instance.
	Global bool
	// Instanced is true when view_instance accepts the view.
	Instanced bool
	// Materialized is true for global views kept as partitions by the
	// maintenance daemon (false for views computed with SQL at query time).
	Materialized bool
	// MaxPartitionDelta is the largest partition the daemon compacts into.
	MaxPartitionDelta time.Duration
}

// Views lists every view set.
func Views() []ViewInfo {
	out := make([]ViewInfo, 0, len(viewSets))
	for _, v := range viewSets {
		out = append(out, ViewInfo{Name: v.name, Schema: v.schema, SchemaHash: v.hash, Global: v.global,
			Instanced: v.instance != noInstance, Materialized: v.materialized(), MaxPartitionDelta: v.maxDelta})
	}
	return out
}

// TableInfo is one table visible to SQL without view_instance.
type TableInfo struct {
	Name   string
	Schema *arrow.Schema
}

// Tables lists the global views with the schemas of their query results
// (for FlightSQL GetTables): the schema of SELECT * FROM the view, as the
// engine describes it, so that a client building column types from it
// gets the types and nullability the view's queries return.
func (l *Lakehouse) Tables(ctx context.Context) ([]TableInfo, error) {
	var out []TableInfo
	for _, v := range viewSets {
		if !v.global {
			continue
		}
		schema, err := l.Describe(ctx, "SELECT * FROM "+quoteIdent(v.name))
		if err != nil {
			return nil, fmt.Errorf("describe %s: %w", v.name, err)
		}
		out = append(out, TableInfo{Name: v.name, Schema: schema})
	}
	return out, nil
}
