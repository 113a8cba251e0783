package workload

import "github.com/micromegas-go/micromegas/internal/transit"

// The queue layouts of the three stream kinds, as the original Rust
// library declares them (spec 2.2): type indices, names, members and
// little-endian offsets. The generated buffers follow these layouts, so the
// transit parser reads them back with this metadata alone.

// Dependency type indices shared by the three kinds: strings first, then
// the kind's metadata record.
const (
	depStaticString = 0 // dynamic: id u64, utf8 bytes
	depMetadata     = 1 // POD, 48 bytes: LogMetadataRecord, MetricMetadataDependency or SpanRecord
)

// metadataSize is the size of the three metadata records: five 8-byte
// fields (id and four string references) and two u32.
const metadataSize = 48

// Object type indices.
const (
	logStaticStrEvent  = 0 // POD 16: desc ref @0, time i64 @8
	logStringEventV2   = 1 // dynamic: desc_id u64, time i64, msg DynString
	integerMetricEvent = 0 // POD 24: desc ref @0, value u64 @8, time i64 @16
	floatMetricEvent   = 1 // POD 24: desc ref @0, value f64 @8, time i64 @16
	beginThreadSpan    = 0 // POD 16: thread_span_desc ref @0, time i64 @8
	endThreadSpan      = 1 // POD 16: thread_span_desc ref @0, time i64 @8
)

func member(name, typ string, offset, size int) transit.Member {
	return transit.Member{Name: name, TypeName: typ, Offset: offset, Size: size}
}

func ref(name, typ string, offset int) transit.Member {
	return transit.Member{Name: name, TypeName: typ, Offset: offset, Size: 8, IsReference: true}
}

// metadataUDT is the 48-byte metadata record: id, four string references,
// then two u32 named by the kind (line and level, or line and lod).
func metadataUDT(name string, strs [4]string, lastU32 string) transit.UserDefinedType {
	return transit.UserDefinedType{Name: name, Size: metadataSize, Members: []transit.Member{
		member("id", "u64", 0, 8),
		ref(strs[0], "*const u8", 8), ref(strs[1], "*const u8", 16),
		ref(strs[2], "*const u8", 24), ref(strs[3], "*const u8", 32),
		member("line", "u32", 40, 4),
		member(lastU32, "u32", 44, 4),
	}}
}

// logUDTs are the object and dependency types of a log stream.
func logUDTs() (objs, deps []transit.UserDefinedType) {
	objs = []transit.UserDefinedType{
		{Name: "LogStaticStrEvent", Size: 16, Members: []transit.Member{
			ref("desc", "LogMetadata", 0), member("time", "i64", 8, 8),
		}},
		{Name: "LogStringEventV2", Members: []transit.Member{
			member("desc_id", "u64", 0, 8), member("time", "i64", 8, 8), {Name: "msg", TypeName: "DynString"},
		}},
	}
	deps = []transit.UserDefinedType{
		{Name: "StaticString"},
		metadataUDT("LogMetadataRecord", [4]string{"fmt_str", "target", "module_path", "file"}, "level"),
	}
	return objs, deps
}

// metricsUDTs are the object and dependency types of a metrics stream.
func metricsUDTs() (objs, deps []transit.UserDefinedType) {
	objs = []transit.UserDefinedType{
		{Name: "IntegerMetricEvent", Size: 24, Members: []transit.Member{
			ref("desc", "MeasureMetadata", 0), member("value", "u64", 8, 8), member("time", "i64", 16, 8),
		}},
		{Name: "FloatMetricEvent", Size: 24, Members: []transit.Member{
			ref("desc", "MeasureMetadata", 0), member("value", "f64", 8, 8), member("time", "i64", 16, 8),
		}},
	}
	deps = []transit.UserDefinedType{
		{Name: "StaticString"},
		metadataUDT("MetricMetadataDependency", [4]string{"name", "unit", "target", "file"}, "lod"),
	}
	return objs, deps
}

// spanUDTs are the object and dependency types of a thread stream.
func spanUDTs() (objs, deps []transit.UserDefinedType) {
	event := func(name string) transit.UserDefinedType {
		return transit.UserDefinedType{Name: name, Size: 16, Members: []transit.Member{
			ref("thread_span_desc", "SpanMetadata", 0), member("time", "i64", 8, 8),
		}}
	}
	objs = []transit.UserDefinedType{event("BeginThreadSpanEvent"), event("EndThreadSpanEvent")}
	deps = []transit.UserDefinedType{
		{Name: "StaticString"},
		metadataUDT("SpanRecord", [4]string{"name", "target", "module_path", "file"}, "lod"),
	}
	return objs, deps
}
