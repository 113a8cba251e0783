// Package transit implements the wire format of Micromegas telemetry (spec
// 2.6): the CBOR messages of the ingestion protocol, the type metadata of
// streams, the LZ4-framed block payloads and the binary event queues inside
// them. It reads blocks written by the original Rust and Unreal clients as
// well as by our Go library.
//
// # Queues
//
// A block carries two buffers, each a separate LZ4 frame: the dependencies
// (static strings, log/metric/span metadata, property sets) and the objects
// (the events). Both are a sequence of records:
//
//	[u8 type_index][payload]
//
// type_index is the position of the record's type in the stream's type
// list (StreamInfo.DependenciesMetadata or ObjectsMetadata). A fixed-size
// (POD) type, Size > 0, has a payload of exactly Size bytes: a memcpy of the
// client's struct. A dynamic type, Size == 0, has a payload of
//
//	[u32 size][size bytes]
//
// All integers are little-endian.
//
// # Fixed-size records
//
// A POD is read member by member at the offsets of the metadata, never
// with an assumed layout (Rust reorders fields). A member's type_name is an
// intrinsic (u8|uint8, u32|uint32, u64|uint64, i64|int64, f64) or the name of
// another fixed-size type of the same list, read as a nested object. A member
// flagged is_reference is an 8-byte id (a pointer in the client) resolved
// through the dependencies; the value is the dependency itself, shared, not
// copied. A type flagged is_reference (StringId, StaticStringRef) must have a
// member "id", and the whole value is the dependency that id names.
//
// # Dynamic records
//
// Dynamic records are read by a custom reader chosen by type name. A
// DynString is [u8 codec][u32 byte length][bytes], codec 0 Ansi (Windows-1252,
// or UTF-8 when already valid), 1 Wide (UTF-16LE), 2 Utf8; see DecodeString.
// StaticStringRef inside an event is the fixed-size type of that name in the
// stream metadata (16 bytes from Rust and Unreal: u64 ptr, u32 len, u8 codec,
// padding), resolved through its "id" member to a string dependency; the
// reader takes its size from the metadata and fails if the metadata lacks it.
//
//	StaticString            [u64 id][utf8 bytes to the end]        → deps[id] string
//	StaticStringDependency  [u64 id][DynString]                    → deps[id] string
//	PropertySetDependency   [u64 id][u32 n][n × Property]          → deps[id] property set
//	LogStringEvent          [u64 desc][i64 time][utf8 to the end]  (legacy)
//	LogStringEventV2        [u64 desc][i64 time][DynString msg]
//	LogStringInteropEventV2 [i64 time][u32 level][StringId target][utf8 to the end]
//	LogStringInteropEventV3 [i64 time][u8 level][StaticStringRef target][DynString msg]
//	TaggedLogString         [u64 desc][u64 properties][i64 time][DynString msg]
//	TaggedLogInteropEvent   [i64 time][u8 level][StaticStringRef target][u64 properties][DynString msg]
//	GoExecutionTrace        [i64 time][DynString trigger][Go execution trace bytes to the end] (ours)
//
// Our fixed-size AsyncSpanTraceEvent (AsyncSpanTraceTypeName) needs no
// custom reader: its metadata declares five u64 members; nor does our
// AsyncSpanStatusEvent (AsyncSpanStatusTypeName): a u64 and three i64.
//
// Property is the fixed-size type of that name in the metadata ({name,
// value} StaticStringRefs). A property set decodes to an Object of type
// PropertySetTypeName with one string member per property (see
// Object.Properties and Object.PropertyMap). An object of an unknown dynamic
// type decodes to an empty Object of that type name, since newer clients add
// types; an unknown dynamic dependency is skipped.
//
// # Decoder invariants
//
// The decoder reads network input. It never panics and never reads out of
// bounds; every length is checked against the bytes left before anything is
// allocated, so allocation is proportional to the input. Each type is
// checked once per buffer before use: members must lie inside the type and
// must not overlap (so a record decodes to at most one value per byte),
// intrinsic sizes must match, references take at least 8 bytes, nesting is
// acyclic and at most 16 deep. A type that fails these checks fails only
// the records that use it. Dependencies are resolved in order: a reference
// to an id not yet decoded is an error, as in the original reader. Errors
// are *ParseError, giving the buffer, the record's byte offset, its type and
// the member path. Decoded strings never alias the input buffers.
package transit
