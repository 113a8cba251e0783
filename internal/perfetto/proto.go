package perfetto

import "google.golang.org/protobuf/encoding/protowire"

// Field numbers of Perfetto's trace protos (protos/perfetto/trace/...),
// the subset this package writes.
const (
	// Trace
	fieldTracePacket = 1

	// TracePacket
	fieldPacketTimestamp         = 8
	fieldPacketSequenceID        = 10 // trusted_packet_sequence_id
	fieldPacketTrackEvent        = 11
	fieldPacketInternedData      = 12
	fieldPacketSequenceFlags     = 13
	fieldPacketTrackDescriptor   = 60
	fieldPacketFirstOnSequence   = 87
	sequenceIncrementalCleared   = 1 // SEQ_INCREMENTAL_STATE_CLEARED
	sequenceNeedsIncrementalData = 2 // SEQ_NEEDS_INCREMENTAL_STATE

	// TrackDescriptor
	fieldTrackUUID       = 1
	fieldTrackName       = 2
	fieldTrackProcess    = 3
	fieldTrackThread     = 4
	fieldTrackParentUUID = 5

	// ProcessDescriptor
	fieldProcessPID  = 1
	fieldProcessName = 6

	// ThreadDescriptor
	fieldThreadPID  = 1
	fieldThreadTID  = 2
	fieldThreadName = 5

	// TrackEvent
	fieldEventCategoryIIDs     = 3
	fieldEventType             = 9
	fieldEventNameIID          = 10
	fieldEventTrackUUID        = 11
	fieldEventSourceLocationID = 34
	eventSliceBegin            = 1 // TYPE_SLICE_BEGIN
	eventSliceEnd              = 2 // TYPE_SLICE_END

	// InternedData
	fieldInternedCategories      = 1
	fieldInternedNames           = 2
	fieldInternedSourceLocations = 4

	// EventName, EventCategory, SourceLocation
	fieldInternIID            = 1
	fieldInternName           = 2 // name, or file_name of SourceLocation
	fieldSourceLocationLineNo = 4
)

// message appends protobuf fields to a byte slice.
type message []byte

func (m message) varint(num protowire.Number, v uint64) message {
	m = protowire.AppendTag(m, num, protowire.VarintType)
	return protowire.AppendVarint(m, v)
}

func (m message) boolean(num protowire.Number, v bool) message {
	return m.varint(num, protowire.EncodeBool(v))
}

// int32 encodes a proto int32 (negative values take ten bytes).
func (m message) int32(num protowire.Number, v int32) message {
	return m.varint(num, uint64(int64(v)))
}

func (m message) str(num protowire.Number, s string) message {
	m = protowire.AppendTag(m, num, protowire.BytesType)
	return protowire.AppendString(m, s)
}

func (m message) bytes(num protowire.Number, b []byte) message {
	m = protowire.AppendTag(m, num, protowire.BytesType)
	return protowire.AppendBytes(m, b)
}
