// Package lakehousetest writes telemetry the way instrumented processes
// do (process, streams and transit-encoded blocks in a catalog and an
// object store), for the tests and benchmarks of the lakehouse. Its event
// layouts follow spec 2.2 (the original's UDT names and members) and are
// written from the specification, independently of package telemetry.
package lakehousetest

import "github.com/micromegas-go/micromegas/internal/transit"

// Dependency type indexes in DepUDTs.
const (
	depStaticString = iota
	depLogMetadata
	depMetricMetadata
	depSpanRecord
	depSpanLocation
	depPropertySet
	depProperty
	depStaticStringRef
)

func ref(name string, off int) transit.Member {
	return transit.Member{Name: name, TypeName: "*const u8", Offset: off, Size: 8, IsReference: true}
}

func intr(name, typ string, off, size int) transit.Member {
	return transit.Member{Name: name, TypeName: typ, Offset: off, Size: size}
}

// stringRefType is a 16-byte reference UDT (StaticStringRef, StringId):
// u64 id, u32 len, u8 codec, padding; resolved through its id.
func stringRefType(name string) transit.UserDefinedType {
	return transit.UserDefinedType{Name: name, Size: 16, IsReference: true, Members: []transit.Member{
		{Name: "id", TypeName: "usize", Offset: 0, Size: 8, IsReference: true},
	}}
}

// DepUDTs is the dependency type list every generated stream uses.
func DepUDTs() []transit.UserDefinedType {
	return []transit.UserDefinedType{
		depStaticString: {Name: "StaticString"},
		depLogMetadata: {Name: "LogMetadataRecord", Size: 48, Members: []transit.Member{
			intr("id", "u64", 0, 8), ref("fmt_str", 8), ref("target", 16), ref("module_path", 24), ref("file", 32),
			intr("line", "u32", 40, 4), intr("level", "u32", 44, 4),
		}},
		depMetricMetadata: {Name: "MetricMetadataDependency", Size: 48, Members: []transit.Member{
			intr("id", "u64", 0, 8), ref("name", 8), ref("unit", 16), ref("target", 24), ref("file", 32),
			intr("line", "u32", 40, 4), intr("lod", "u32", 44, 4),
		}},
		depSpanRecord: {Name: "SpanRecord", Size: 48, Members: []transit.Member{
			intr("id", "u64", 0, 8), ref("name", 8), ref("target", 16), ref("module_path", 24), ref("file", 32),
			intr("line", "u32", 40, 4), intr("lod", "u32", 44, 4),
		}},
		depSpanLocation: {Name: "SpanLocationRecord", Size: 40, Members: []transit.Member{
			intr("id", "u64", 0, 8), ref("target", 8), ref("module_path", 16), ref("file", 24),
			intr("line", "u32", 32, 4), intr("lod", "u32", 36, 4),
		}},
		depPropertySet: {Name: "PropertySetDependency"},
		depProperty: {Name: "Property", Size: 32, Members: []transit.Member{
			{Name: "name", TypeName: "StaticStringRef", Offset: 0, Size: 16},
			{Name: "value", TypeName: "StaticStringRef", Offset: 16, Size: 16},
		}},
		depStaticStringRef: stringRefType("StaticStringRef"),
	}
}

// Object type indexes of the log stream.
const (
	logStaticStr = iota
	logString
	logTagged
)

// LogUDTs is the object type list of log streams.
func LogUDTs() []transit.UserDefinedType {
	return []transit.UserDefinedType{
		logStaticStr: {Name: "LogStaticStrEvent", Size: 16, Members: []transit.Member{ref("desc", 0), intr("time", "i64", 8, 8)}},
		logString:    {Name: "LogStringEventV2"},
		logTagged:    {Name: "TaggedLogString"},
	}
}

// Object type indexes of the metrics stream.
const (
	metricInteger = iota
	metricFloat
	metricTaggedFloat
	metricTaggedInteger
)

// MetricsUDTs is the object type list of metrics streams.
func MetricsUDTs() []transit.UserDefinedType {
	return []transit.UserDefinedType{
		metricInteger: {Name: "IntegerMetricEvent", Size: 24, Members: []transit.Member{
			ref("desc", 0), intr("value", "u64", 8, 8), intr("time", "i64", 16, 8)}},
		metricFloat: {Name: "FloatMetricEvent", Size: 24, Members: []transit.Member{
			ref("desc", 0), intr("value", "f64", 8, 8), intr("time", "i64", 16, 8)}},
		metricTaggedFloat: {Name: "TaggedFloatMetricEvent", Size: 32, Members: []transit.Member{
			ref("desc", 0), ref("properties", 8), intr("value", "f64", 16, 8), intr("time", "i64", 24, 8)}},
		metricTaggedInteger: {Name: "TaggedIntegerMetricEvent", Size: 32, Members: []transit.Member{
			ref("desc", 0), ref("properties", 8), intr("value", "u64", 16, 8), intr("time", "i64", 24, 8)}},
	}
}

// Object type indexes of thread streams (spec 2.2 order, then ours).
const (
	beginThreadSpan = iota
	endThreadSpan
	beginThreadNamedSpan
	endThreadNamedSpan
	beginAsyncSpan
	endAsyncSpan
	beginAsyncNamedSpan
	endAsyncNamedSpan
	asyncSpanTrace
	asyncSpanStatus
	threadStringID
)

// ThreadUDTs is the object type list of thread ("cpu") streams.
func ThreadUDTs() []transit.UserDefinedType {
	span := func(name string) transit.UserDefinedType {
		return transit.UserDefinedType{Name: name, Size: 16, Members: []transit.Member{
			ref("thread_span_desc", 0), intr("time", "i64", 8, 8)}}
	}
	named := func(name string) transit.UserDefinedType {
		return transit.UserDefinedType{Name: name, Size: 32, Members: []transit.Member{
			ref("thread_span_location", 0), {Name: "name", TypeName: "StringId", Offset: 8, Size: 16},
			intr("time", "i64", 24, 8)}}
	}
	async := func(name string) transit.UserDefinedType {
		return transit.UserDefinedType{Name: name, Size: 40, Members: []transit.Member{
			ref("span_desc", 0), intr("span_id", "u64", 8, 8), intr("parent_span_id", "u64", 16, 8),
			intr("depth", "u32", 24, 4), intr("time", "i64", 32, 8)}}
	}
	asyncNamed := func(name string) transit.UserDefinedType {
		return transit.UserDefinedType{Name: name, Size: 56, Members: []transit.Member{
			ref("span_location", 0), {Name: "name", TypeName: "StringId", Offset: 8, Size: 16},
			intr("span_id", "u64", 24, 8), intr("parent_span_id", "u64", 32, 8),
			intr("depth", "u32", 40, 4), intr("time", "i64", 48, 8)}}
	}
	return []transit.UserDefinedType{
		beginThreadSpan:      span("BeginThreadSpanEvent"),
		endThreadSpan:        span("EndThreadSpanEvent"),
		beginThreadNamedSpan: named("BeginThreadNamedSpanEvent"),
		endThreadNamedSpan:   named("EndThreadNamedSpanEvent"),
		beginAsyncSpan:       async("BeginAsyncSpanEvent"),
		endAsyncSpan:         async("EndAsyncSpanEvent"),
		beginAsyncNamedSpan:  asyncNamed("BeginAsyncNamedSpanEvent"),
		endAsyncNamedSpan:    asyncNamed("EndAsyncNamedSpanEvent"),
		// Ours (transit.AsyncSpanTraceTypeName), in another member order
		// than package telemetry's: readers follow the metadata.
		asyncSpanTrace: {Name: transit.AsyncSpanTraceTypeName, Size: 40, Members: []transit.Member{
			intr("otel_parent_span_id", "u64", 0, 8), intr("otel_span_id", "u64", 8, 8),
			intr("trace_id_high", "u64", 16, 8), intr("trace_id_low", "u64", 24, 8), intr("span_id", "u64", 32, 8)}},
		// Ours (transit.AsyncSpanStatusTypeName), in another member order
		// than package telemetry's.
		asyncSpanStatus: {Name: transit.AsyncSpanStatusTypeName, Size: 32, Members: []transit.Member{
			intr("response_bytes", "i64", 0, 8), intr("request_bytes", "i64", 8, 8),
			intr("status", "i64", 16, 8), intr("span_id", "u64", 24, 8)}},
		threadStringID: stringRefType("StringId"),
	}
}
