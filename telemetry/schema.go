package telemetry

import "github.com/micromegas-go/micromegas/internal/transit"

// The queue layouts this library emits. Type names and member names are
// the original Rust library's (spec 2.2), so that original servers and our
// lakehouse read our blocks; offsets are ours and are declared in the
// metadata, which readers follow (they never assume a layout). All
// integers are little-endian; a record is [u8 type index][payload], a
// dynamic payload being [u32 size][size bytes].

// streamKind is what a stream carries.
type streamKind uint8

const (
	kindLog     streamKind = iota // tags ["log"]
	kindMetrics                   // tags ["metrics"]
	kindCPU                       // tags ["cpu"]: thread and async spans
	nbKinds                       // the kinds written by per-P writers and tracks

	// kindGoTrace streams (tags ["go_trace"]) carry snapshots of the
	// execution-trace flight recorder (flightrecorder.go), not events.
	kindGoTrace = nbKinds
)

func (k streamKind) tag() string {
	switch k {
	case kindLog:
		return "log"
	case kindMetrics:
		return "metrics"
	case kindGoTrace:
		return GoTraceStreamTag
	}
	return "cpu"
}

// Object type indices of the log stream.
const (
	logStaticStrEvent = 0 // POD 16: desc ref @0, time @8
	logStringEventV2  = 1 // dynamic: desc u64, time i64, msg DynString
	taggedLogString   = 2 // dynamic: desc u64, properties u64, time i64, msg DynString
)

// Object type indices of the metrics stream.
const (
	integerMetricEvent       = 0 // POD 24: desc @0, value u64 @8, time @16
	floatMetricEvent         = 1 // POD 24: desc @0, value f64 @8, time @16
	taggedIntegerMetricEvent = 2 // POD 32: desc @0, properties @8, value u64 @16, time @24
	taggedFloatMetricEvent   = 3 // POD 32: desc @0, properties @8, value f64 @16, time @24
)

// Object type indices of the cpu stream.
const (
	beginThreadSpanEvent = 0 // POD 16: thread_span_desc @0, time @8
	endThreadSpanEvent   = 1
	beginAsyncSpanEvent  = 2 // POD 36: span_desc @0, span_id @8, parent_span_id @16, time @24, depth u32 @32
	endAsyncSpanEvent    = 3
	// asyncSpanTraceEvent (ours) is the OpenTelemetry identity of an async
	// span (trace.go). POD 40: span_id @0, trace_id_high @8, trace_id_low
	// @16, otel_span_id @24, otel_parent_span_id @32, all u64; the ids read
	// as big-endian numbers, so that %016x prints their W3C hex.
	asyncSpanTraceEvent = 4
	// asyncSpanStatusEvent (ours) is the outcome of an async span's
	// operation (status.go), written just before its end event. POD 32:
	// span_id u64 @0, status i64 @8, request_bytes i64 @16,
	// response_bytes i64 @24 (-1: unknown).
	asyncSpanStatusEvent = 5
)

// Record sizes, type index included.
const (
	logStaticSize    = 1 + 16
	logStringHeader  = 1 + 4 + 8 + 8 // + DynString
	taggedLogHeader  = 1 + 4 + 8 + 8 + 8
	metricSize       = 1 + 24
	taggedMetricSize = 1 + 32
	threadSpanSize   = 1 + 16
	asyncSpanSize    = 1 + 36
	asyncTraceSize   = 1 + 40
	asyncStatusSize  = 1 + 32
	dynStringHeader  = 5
)

// Dependency type indices, shared by every stream kind.
const (
	depStaticString   = 0 // dynamic: id u64, utf8 bytes
	depPropertySet    = 1 // dynamic: id u64, u32 n, n × Property
	depMetadataRecord = 2 // POD 48: LogMetadataRecord, MetricMetadataDependency or SpanRecord
)

// metadataRecordSize is the size of the three metadata records: id @0,
// four string references @8..@32, two u32 @40 and @44.
const metadataRecordSize = 48

// propertySize is the size of a Property: two StaticStringRefs of 16 bytes
// (u64 id, u32 len, u8 codec, 3 bytes of padding), as Rust and Unreal lay
// them out.
const propertySize = 32

func ref(name, typeName string, offset int) transit.Member {
	return transit.Member{Name: name, TypeName: typeName, Offset: offset, Size: 8, IsReference: true}
}

func intrinsic(name, typ string, offset, size int) transit.Member {
	return transit.Member{Name: name, TypeName: typ, Offset: offset, Size: size}
}

// propertyUDTs are the secondary types of PropertySetDependency.
var propertyUDTs = []transit.UserDefinedType{
	{Name: "Property", Size: propertySize, Members: []transit.Member{
		{Name: "name", TypeName: "StaticStringRef", Offset: 0, Size: 16},
		{Name: "value", TypeName: "StaticStringRef", Offset: 16, Size: 16},
	}},
	{Name: "StaticStringRef", Size: 16, IsReference: true, Members: []transit.Member{
		ref("id", "usize", 0),
	}},
}

// GoTraceStreamTag is the tag of the streams of execution-trace snapshots.
const GoTraceStreamTag = "go_trace"

// dependencyUDTs returns the dependency types of a stream kind: the queue
// types, then the secondary ones.
func dependencyUDTs(k streamKind) []transit.UserDefinedType {
	if k == kindGoTrace {
		return nil // snapshots reference no static metadata
	}
	var record transit.UserDefinedType
	switch k {
	case kindLog:
		record = transit.UserDefinedType{Name: "LogMetadataRecord", Size: metadataRecordSize, Members: []transit.Member{
			intrinsic("id", "u64", 0, 8),
			ref("fmt_str", "*const u8", 8),
			ref("target", "*const u8", 16),
			ref("module_path", "*const u8", 24),
			ref("file", "*const u8", 32),
			intrinsic("line", "u32", 40, 4),
			intrinsic("level", "u32", 44, 4),
		}}
	case kindMetrics:
		record = transit.UserDefinedType{Name: "MetricMetadataDependency", Size: metadataRecordSize, Members: []transit.Member{
			intrinsic("id", "u64", 0, 8),
			ref("name", "*const u8", 8),
			ref("unit", "*const u8", 16),
			ref("target", "*const u8", 24),
			ref("file", "*const u8", 32),
			intrinsic("line", "u32", 40, 4),
			intrinsic("lod", "u32", 44, 4),
		}}
	default:
		record = transit.UserDefinedType{Name: "SpanRecord", Size: metadataRecordSize, Members: []transit.Member{
			intrinsic("id", "u64", 0, 8),
			ref("name", "*const u8", 8),
			ref("target", "*const u8", 16),
			ref("module_path", "*const u8", 24),
			ref("file", "*const u8", 32),
			intrinsic("line", "u32", 40, 4),
			intrinsic("lod", "u32", 44, 4),
		}}
	}
	return append([]transit.UserDefinedType{
		{Name: "StaticString"},
		{Name: "PropertySetDependency"},
		record,
	}, propertyUDTs...)
}

// objectUDTs returns the event types of a stream kind.
func objectUDTs(k streamKind) []transit.UserDefinedType {
	switch k {
	case kindGoTrace:
		// [i64 time][DynString trigger][trace bytes to the end]
		return []transit.UserDefinedType{{Name: transit.GoExecutionTraceTypeName, Members: []transit.Member{
			intrinsic("time", "i64", 0, 8),
			{Name: "trigger", TypeName: "DynString"},
			{Name: "data", TypeName: "bytes"},
		}}}
	case kindLog:
		return []transit.UserDefinedType{
			{Name: "LogStaticStrEvent", Size: 16, Members: []transit.Member{
				ref("desc", "LogMetadata", 0),
				intrinsic("time", "i64", 8, 8),
			}},
			{Name: "LogStringEventV2", Members: []transit.Member{
				intrinsic("desc_id", "u64", 0, 8),
				intrinsic("time", "i64", 8, 8),
				{Name: "msg", TypeName: "DynString"},
			}},
			{Name: "TaggedLogString", Members: []transit.Member{
				intrinsic("desc", "u64", 0, 8),
				intrinsic("properties", "u64", 8, 8),
				intrinsic("time", "i64", 16, 8),
				{Name: "msg", TypeName: "DynString"},
			}},
		}
	case kindMetrics:
		metric := func(name, valueType string) transit.UserDefinedType {
			return transit.UserDefinedType{Name: name, Size: 24, Members: []transit.Member{
				ref("desc", "StaticMetricMetadata", 0),
				intrinsic("value", valueType, 8, 8),
				intrinsic("time", "i64", 16, 8),
			}}
		}
		tagged := func(name, valueType string) transit.UserDefinedType {
			return transit.UserDefinedType{Name: name, Size: 32, Members: []transit.Member{
				ref("desc", "StaticMetricMetadata", 0),
				ref("properties", "PropertySet", 8),
				intrinsic("value", valueType, 16, 8),
				intrinsic("time", "i64", 24, 8),
			}}
		}
		return []transit.UserDefinedType{
			metric("IntegerMetricEvent", "u64"),
			metric("FloatMetricEvent", "f64"),
			tagged("TaggedIntegerMetricEvent", "u64"),
			tagged("TaggedFloatMetricEvent", "f64"),
		}
	default:
		thread := func(name string) transit.UserDefinedType {
			return transit.UserDefinedType{Name: name, Size: 16, Members: []transit.Member{
				ref("thread_span_desc", "SpanMetadata", 0),
				intrinsic("time", "i64", 8, 8),
			}}
		}
		async := func(name string) transit.UserDefinedType {
			return transit.UserDefinedType{Name: name, Size: 36, Members: []transit.Member{
				ref("span_desc", "SpanMetadata", 0),
				intrinsic("span_id", "u64", 8, 8),
				intrinsic("parent_span_id", "u64", 16, 8),
				intrinsic("time", "i64", 24, 8),
				intrinsic("depth", "u32", 32, 4),
			}}
		}
		return []transit.UserDefinedType{
			thread("BeginThreadSpanEvent"),
			thread("EndThreadSpanEvent"),
			async("BeginAsyncSpanEvent"),
			async("EndAsyncSpanEvent"),
			{Name: transit.AsyncSpanTraceTypeName, Size: 40, Members: []transit.Member{
				intrinsic("span_id", "u64", 0, 8),
				intrinsic("trace_id_high", "u64", 8, 8),
				intrinsic("trace_id_low", "u64", 16, 8),
				intrinsic("otel_span_id", "u64", 24, 8),
				intrinsic("otel_parent_span_id", "u64", 32, 8),
			}},
			{Name: transit.AsyncSpanStatusTypeName, Size: 32, Members: []transit.Member{
				intrinsic("span_id", "u64", 0, 8),
				intrinsic("status", "i64", 8, 8),
				intrinsic("request_bytes", "i64", 16, 8),
				intrinsic("response_bytes", "i64", 24, 8),
			}},
		}
	}
}
