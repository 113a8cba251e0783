package lakehouse

import (
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
)

// Arrow types shared by the view schemas (spec 5.2). Properties are
// the text of JSON objects, dictionary-encoded (props.go), as the
// original's JSONB dictionaries: DuckDB queries them directly, and
// property_get works on them.
var (
	dict16    = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}
	timestamp = &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "+00:00"}
	propsType = dict16
	tagsType  = arrow.ListOfField(arrow.Field{Name: "tag", Type: arrow.BinaryTypes.String, Nullable: true})
	// sketchType is a distribution of values (package sketch; the SQL
	// type engine.SketchSQLType).
	sketchType = arrow.StructOf(
		arrow.Field{Name: "min", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		arrow.Field{Name: "max", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		arrow.Field{Name: "count", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
		arrow.Field{Name: "keys", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true},
		arrow.Field{Name: "counts", Type: arrow.ListOf(arrow.PrimitiveTypes.Uint64), Nullable: true},
	)
)

// Names of the view sets.
const (
	LogEntriesView   = "log_entries"
	MeasuresView     = "measures"
	BlocksView       = "blocks"
	ProcessesView    = "processes"
	StreamsView      = "streams"
	LogStatsView     = "log_stats"
	MeasureStatsView = "measure_stats"
	ThreadSpansView  = "thread_spans"
	AsyncEventsView  = "async_events"
)

// LogEntriesSchema is the schema of log_entries (spec 5.2).
var LogEntriesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "process_id", Type: dict16},
	{Name: "stream_id", Type: dict16},
	{Name: "block_id", Type: dict16},
	{Name: "insert_time", Type: timestamp},
	{Name: "exe", Type: dict16},
	{Name: "username", Type: dict16},
	{Name: "computer", Type: dict16},
	{Name: "time", Type: timestamp},
	{Name: "target", Type: dict16},
	{Name: "level", Type: arrow.PrimitiveTypes.Int32},
	{Name: "msg", Type: arrow.BinaryTypes.String},
	{Name: "properties", Type: propsType},
	{Name: "process_properties", Type: propsType},
}, nil)

// MeasuresSchema is the schema of measures (spec 5.2).
var MeasuresSchema = arrow.NewSchema([]arrow.Field{
	{Name: "process_id", Type: dict16},
	{Name: "stream_id", Type: dict16},
	{Name: "block_id", Type: dict16},
	{Name: "insert_time", Type: timestamp},
	{Name: "exe", Type: dict16},
	{Name: "username", Type: dict16},
	{Name: "computer", Type: dict16},
	{Name: "time", Type: timestamp},
	{Name: "target", Type: dict16},
	{Name: "name", Type: dict16},
	{Name: "unit", Type: dict16},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64},
	{Name: "properties", Type: propsType},
	{Name: "process_properties", Type: propsType},
}, nil)

// ThreadSpansSchema is the schema of thread_spans (spec 5.2).
var ThreadSpansSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "parent", Type: arrow.PrimitiveTypes.Int64},
	{Name: "depth", Type: arrow.PrimitiveTypes.Uint32},
	{Name: "hash", Type: arrow.PrimitiveTypes.Uint32},
	{Name: "begin", Type: timestamp},
	{Name: "end", Type: timestamp},
	{Name: "duration", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: dict16},
	{Name: "target", Type: dict16},
	{Name: "filename", Type: dict16},
	{Name: "line", Type: arrow.PrimitiveTypes.Uint32},
}, nil)

// AsyncEventsSchema is the schema of async_events (spec 5.2), with six
// trailing columns of ours: the OpenTelemetry trace id, span id and
// parent span id of the span, as lowercase hex (the text of traceparent
// headers and of otel_spans), on begin rows of spans recorded with them
// (AsyncSpanTraceEvent), null otherwise; and the status of the span's
// operation (an HTTP status, a gRPC code) and the sizes of its request
// and response in bytes, on end rows of spans recorded with them
// (AsyncSpanStatusEvent), null otherwise (sizes: also when unknown).
var AsyncEventsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "stream_id", Type: dict16},
	{Name: "block_id", Type: dict16},
	{Name: "time", Type: timestamp},
	{Name: "event_type", Type: dict16},
	{Name: "span_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "parent_span_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "depth", Type: arrow.PrimitiveTypes.Uint32},
	{Name: "name", Type: dict16},
	{Name: "filename", Type: dict16},
	{Name: "target", Type: dict16},
	{Name: "line", Type: arrow.PrimitiveTypes.Uint32},
	{Name: "trace_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "otel_span_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "otel_parent_span_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "status", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "request_bytes", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "response_bytes", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

// BlocksSchema is the schema of blocks (spec 5.2): every block joined
// with its stream and process.
var BlocksSchema = arrow.NewSchema([]arrow.Field{
	{Name: "block_id", Type: arrow.BinaryTypes.String},
	{Name: "stream_id", Type: arrow.BinaryTypes.String},
	{Name: "process_id", Type: arrow.BinaryTypes.String},
	{Name: "begin_time", Type: timestamp},
	{Name: "begin_ticks", Type: arrow.PrimitiveTypes.Int64},
	{Name: "end_time", Type: timestamp},
	{Name: "end_ticks", Type: arrow.PrimitiveTypes.Int64},
	{Name: "nb_objects", Type: arrow.PrimitiveTypes.Int32},
	{Name: "object_offset", Type: arrow.PrimitiveTypes.Int64},
	{Name: "payload_size", Type: arrow.PrimitiveTypes.Int64},
	{Name: "insert_time", Type: timestamp},
	{Name: "streams.dependencies_metadata", Type: arrow.BinaryTypes.Binary},
	{Name: "streams.objects_metadata", Type: arrow.BinaryTypes.Binary},
	{Name: "streams.tags", Type: tagsType},
	{Name: "streams.properties", Type: propsType},
	{Name: "streams.insert_time", Type: timestamp},
	{Name: "processes.start_time", Type: timestamp},
	{Name: "processes.start_ticks", Type: arrow.PrimitiveTypes.Int64},
	{Name: "processes.tsc_frequency", Type: arrow.PrimitiveTypes.Int64},
	{Name: "processes.exe", Type: arrow.BinaryTypes.String},
	{Name: "processes.username", Type: arrow.BinaryTypes.String},
	{Name: "processes.realname", Type: arrow.BinaryTypes.String},
	{Name: "processes.computer", Type: arrow.BinaryTypes.String},
	{Name: "processes.distro", Type: arrow.BinaryTypes.String},
	{Name: "processes.cpu_brand", Type: arrow.BinaryTypes.String},
	{Name: "processes.insert_time", Type: timestamp},
	{Name: "processes.parent_process_id", Type: arrow.BinaryTypes.String},
	{Name: "processes.properties", Type: propsType},
}, nil)

// ProcessesSchema and StreamsSchema are the schemas of the views computed
// with SQL from blocks; LogStatsSchema is that of log_stats, materialized
// from log blocks.
var (
	ProcessesSchema = arrow.NewSchema([]arrow.Field{
		{Name: "process_id", Type: arrow.BinaryTypes.String},
		{Name: "exe", Type: arrow.BinaryTypes.String},
		{Name: "username", Type: arrow.BinaryTypes.String},
		{Name: "realname", Type: arrow.BinaryTypes.String},
		{Name: "computer", Type: arrow.BinaryTypes.String},
		{Name: "distro", Type: arrow.BinaryTypes.String},
		{Name: "cpu_brand", Type: arrow.BinaryTypes.String},
		{Name: "tsc_frequency", Type: arrow.PrimitiveTypes.Int64},
		{Name: "start_time", Type: timestamp},
		{Name: "start_ticks", Type: arrow.PrimitiveTypes.Int64},
		{Name: "insert_time", Type: timestamp},
		{Name: "parent_process_id", Type: arrow.BinaryTypes.String},
		{Name: "properties", Type: propsType},
		{Name: "last_update_time", Type: timestamp},
		{Name: "last_block_end_ticks", Type: arrow.PrimitiveTypes.Int64},
		{Name: "last_block_end_time", Type: timestamp},
	}, nil)
	StreamsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "stream_id", Type: arrow.BinaryTypes.String},
		{Name: "process_id", Type: arrow.BinaryTypes.String},
		{Name: "dependencies_metadata", Type: arrow.BinaryTypes.Binary},
		{Name: "objects_metadata", Type: arrow.BinaryTypes.Binary},
		{Name: "tags", Type: tagsType},
		{Name: "properties", Type: propsType},
		{Name: "insert_time", Type: timestamp},
		{Name: "last_update_time", Type: timestamp},
	}, nil)
	LogStatsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "time_bin", Type: timestamp},
		{Name: "process_id", Type: dict16},
		{Name: "level", Type: arrow.PrimitiveTypes.Int32},
		{Name: "target", Type: dict16},
		{Name: "count", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
)

// logStatsRowSchema is LogStatsSchema with plain strings: the schema of
// the per-block rows that the engine sums before a partition is written
// (dictwrite.Writer then encodes the strings one row group at a time), so that
// a day of blocks may hold more distinct processes and targets than a
// dict16 column can index.
var logStatsRowSchema = plainStrings(LogStatsSchema)

// plainStrings returns s with its dictionary-encoded columns as plain
// values.
func plainStrings(s *arrow.Schema) *arrow.Schema {
	fields := s.Fields()
	for i, f := range fields {
		if dt, ok := f.Type.(*arrow.DictionaryType); ok {
			fields[i].Type = dt.ValueType
		}
	}
	return arrow.NewSchema(fields, nil)
}

// Columns that hold no null, as the original declares them (spec 5.2;
// processes and streams: the grouping key of their SQL; log_stats and
// measure_stats: the keys and count, not time_bin, a function's result).
// Queries that read them unchanged declare them non-nullable
// (engine.Table.NotNull), so that GetTables and query results agree with
// the original's schemas.
var (
	logEntriesNotNull   = columnNames(LogEntriesSchema)
	measuresNotNull     = columnNames(MeasuresSchema)
	blocksNotNull       = columnNames(BlocksSchema, "streams.tags")
	logStatsNotNull     = []string{"process_id", "level", "target", "count"}
	measureStatsNotNull = []string{"process_id", "name", "target", "unit", "count"}
)

// columnNames returns the names of the columns of s, but those of except.
func columnNames(s *arrow.Schema, except ...string) []string {
	var out []string
	for _, f := range s.Fields() {
		if !slices.Contains(except, f.Name) {
			out = append(out, f.Name)
		}
	}
	return out
}
