package transit

import (
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// UserDefinedType describes the layout of one record type of a queue (spec
// 2.6). A stream sends the list of its dependency types and of its object
// types once, in StreamInfo; each record in a block starts with the index of
// its type in that list.
//
// Fixed-size (POD) types have Size > 0 and are read member by member at the
// offsets given here: readers never assume a layout. Dynamic types have
// Size == 0, a u32 byte-length prefix on the wire, and a reader chosen by Name.
type UserDefinedType struct {
	Name        string   `cbor:"name"`
	Size        int      `cbor:"size"`
	Members     []Member `cbor:"members"`
	IsReference bool     `cbor:"is_reference"`
}

// AsyncSpanTraceTypeName is a fixed-size object type of ours on "cpu"
// streams: the OpenTelemetry (W3C) identity of an async span, recorded
// beside its begin event. Its members are u64 intrinsics: span_id (the
// async span), trace_id_high and trace_id_low (the 128-bit trace id, big
// end first), otel_span_id and otel_parent_span_id (zero: none); each id
// is the big-endian number of its W3C bytes, so %016x prints its hex.
// Readers that do not know the type read it generically and ignore it.
const AsyncSpanTraceTypeName = "AsyncSpanTraceEvent"

// AsyncSpanStatusTypeName is a fixed-size object type of ours on "cpu"
// streams: the outcome of an async span's operation, recorded just before
// its end event. Its members are span_id (u64, the async span), status
// (i64: an HTTP status, a gRPC code), request_bytes and response_bytes
// (i64, -1 when unknown). Readers that do not know the type read it
// generically and ignore it.
const AsyncSpanStatusTypeName = "AsyncSpanStatusEvent"

// Member is one field of a UserDefinedType.
type Member struct {
	Name string `cbor:"name"`
	// TypeName is an intrinsic (u8, uint8, u32, uint32, u64, uint64, i64,
	// int64, f64) or the name of another UserDefinedType of the same list.
	TypeName string `cbor:"type_name"`
	Offset   int    `cbor:"offset"`
	Size     int    `cbor:"size"`
	// IsReference marks an 8-byte id resolved through the dependencies.
	IsReference bool `cbor:"is_reference"`
}

// EncodeUDTs encodes a list of types as the CBOR array stored in
// streams.dependencies_metadata and streams.objects_metadata.
func EncodeUDTs(udts []UserDefinedType) ([]byte, error) {
	b, err := cbor.Marshal(udts)
	if err != nil {
		return nil, fmt.Errorf("encode type metadata: %w", err)
	}
	return b, nil
}

// DecodeUDTs decodes a CBOR array of types.
func DecodeUDTs(b []byte) ([]UserDefinedType, error) {
	var udts []UserDefinedType
	if err := decMode.Unmarshal(b, &udts); err != nil {
		return nil, fmt.Errorf("decode type metadata: %w", err)
	}
	return udts, nil
}
