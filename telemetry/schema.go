package telemetry

import "github.com/micromegas-go/micromegas/internal/transit"

// The queue layouts this library emits. Names, members and type indices
// follow the original Rust library (spec 2.2), so original servers and
// readers understand our blocks. Every POD record is little-endian with the
// offsets declared here.

// Object type indices of the log stream.
const (
	logStaticStrEvent = 0 // POD: desc ref @0, time i64 @8
	logStringEventV2  = 1 // dynamic: desc u64, time i64, msg DynString
)

// Dependency type indices of the log stream.
const (
	depStaticString      = 0 // dynamic: id u64, utf8 bytes
	depLogMetadataRecord = 1 // POD, see logMetadataRecordSize
)

const logStaticStrEventSize = 16

// LogMetadataRecord: id @0, fmt_str @8, target @16, module_path @24,
// file @32 (all references), line u32 @40, level u32 @44.
const logMetadataRecordSize = 48

func ref(name string, offset int) transit.Member {
	return transit.Member{Name: name, TypeName: "*const u8", Offset: offset, Size: 8, IsReference: true}
}

func intrinsic(name, typ string, offset, size int) transit.Member {
	return transit.Member{Name: name, TypeName: typ, Offset: offset, Size: size}
}

var logObjectUDTs = []transit.UserDefinedType{
	{Name: "LogStaticStrEvent", Size: logStaticStrEventSize, Members: []transit.Member{
		{Name: "desc", TypeName: "LogMetadata", Offset: 0, Size: 8, IsReference: true},
		intrinsic("time", "i64", 8, 8),
	}},
	{Name: "LogStringEventV2", Size: 0, Members: []transit.Member{
		intrinsic("desc_id", "u64", 0, 8),
		intrinsic("time", "i64", 8, 8),
		{Name: "msg", TypeName: "DynString"},
	}},
}

var logDependencyUDTs = []transit.UserDefinedType{
	{Name: "StaticString", Size: 0},
	{Name: "LogMetadataRecord", Size: logMetadataRecordSize, Members: []transit.Member{
		intrinsic("id", "u64", 0, 8),
		ref("fmt_str", 8),
		ref("target", 16),
		ref("module_path", 24),
		ref("file", 32),
		intrinsic("line", "u32", 40, 4),
		intrinsic("level", "u32", 44, 4),
	}},
}
