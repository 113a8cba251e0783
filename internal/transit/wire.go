package transit

import (
	"errors"
	"fmt"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/google/uuid"
)

// The CBOR messages of the ingestion protocol (spec section 3). Field names
// are those of the original Rust serde structs, so original clients and
// servers interoperate with ours.

// ProcessInfo is the body of POST /ingestion/insert_process (spec 2.4).
type ProcessInfo struct {
	ProcessID       UUID              `cbor:"process_id"`
	Exe             string            `cbor:"exe"`
	Username        string            `cbor:"username"`
	Realname        string            `cbor:"realname"`
	Computer        string            `cbor:"computer"`
	Distro          string            `cbor:"distro"`
	CPUBrand        string            `cbor:"cpu_brand"`
	TSCFrequency    int64             `cbor:"tsc_frequency"`
	StartTime       Time              `cbor:"start_time"`
	StartTicks      int64             `cbor:"start_ticks"`
	ParentProcessID UUID              `cbor:"parent_process_id"`
	Properties      map[string]string `cbor:"properties"`
}

// StreamInfo is the body of POST /ingestion/insert_stream.
type StreamInfo struct {
	ProcessID            UUID              `cbor:"process_id"`
	StreamID             UUID              `cbor:"stream_id"`
	DependenciesMetadata []UserDefinedType `cbor:"dependencies_metadata"`
	ObjectsMetadata      []UserDefinedType `cbor:"objects_metadata"`
	Tags                 []string          `cbor:"tags"`
	Properties           map[string]string `cbor:"properties"`
}

// Block is the body of POST /ingestion/insert_block. BeginTicks and
// EndTicks are relative to the process's start ticks.
type Block struct {
	BlockID      UUID         `cbor:"block_id"`
	StreamID     UUID         `cbor:"stream_id"`
	ProcessID    UUID         `cbor:"process_id"`
	BeginTime    Time         `cbor:"begin_time"`
	BeginTicks   int64        `cbor:"begin_ticks"`
	EndTime      Time         `cbor:"end_time"`
	EndTicks     int64        `cbor:"end_ticks"`
	Payload      BlockPayload `cbor:"payload"`
	ObjectOffset int64        `cbor:"object_offset"`
	NbObjects    int32        `cbor:"nb_objects"`
}

// UUID is a UUID carried as a string ("" = none). On decode it also
// accepts a 16-byte CBOR byte string and null, as serde may produce them.
type UUID string

// UnmarshalCBOR implements cbor.Unmarshaler.
func (u *UUID) UnmarshalCBOR(b []byte) error {
	var raw any
	if err := decMode.Unmarshal(b, &raw); err != nil {
		return err
	}
	switch v := raw.(type) {
	case nil:
		*u = ""
	case string:
		if v == "" {
			*u = ""
			return nil
		}
		id, err := uuid.Parse(v)
		if err != nil {
			return fmt.Errorf("invalid uuid %q: %w", v, err)
		}
		*u = UUID(id.String())
	case []byte:
		id, err := uuid.FromBytes(v)
		if err != nil {
			return fmt.Errorf("invalid uuid bytes: %w", err)
		}
		*u = UUID(id.String())
	default:
		return fmt.Errorf("invalid uuid: want a string, got %T", raw)
	}
	return nil
}

// Time is an instant carried as an RFC3339 string with nanoseconds.
type Time struct{ time.Time }

// MarshalCBOR implements cbor.Marshaler.
func (t Time) MarshalCBOR() ([]byte, error) {
	return cbor.Marshal(t.UTC().Format(time.RFC3339Nano))
}

// UnmarshalCBOR implements cbor.Unmarshaler.
func (t *Time) UnmarshalCBOR(b []byte) error {
	var s string
	if err := decMode.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("time must be an RFC3339 string: %w", err)
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("invalid RFC3339 time %q: %w", s, err)
	}
	t.Time = v.UTC()
	return nil
}

// ErrInvalid marks messages that decode but violate the protocol.
var ErrInvalid = errors.New("invalid message")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// DecodeProcessInfo decodes and validates an insert_process body.
func DecodeProcessInfo(body []byte) (ProcessInfo, error) {
	var p ProcessInfo
	if err := decodeBody(body, &p); err != nil {
		return p, fmt.Errorf("decode process: %w", err)
	}
	if p.ProcessID == "" {
		return p, invalid("process: process_id is required")
	}
	if p.StartTime.IsZero() {
		return p, invalid("process %s: start_time is required", p.ProcessID)
	}
	return p, nil
}

// DecodeStreamInfo decodes and validates an insert_stream body.
func DecodeStreamInfo(body []byte) (StreamInfo, error) {
	var s StreamInfo
	if err := decodeBody(body, &s); err != nil {
		return s, fmt.Errorf("decode stream: %w", err)
	}
	if s.StreamID == "" || s.ProcessID == "" {
		return s, invalid("stream: stream_id and process_id are required")
	}
	return s, nil
}

// DecodeBlock decodes and validates an insert_block body. The payload
// buffers are checked to be LZ4 frames but not decompressed.
func DecodeBlock(body []byte) (Block, error) {
	var b Block
	if err := decodeBody(body, &b); err != nil {
		return b, fmt.Errorf("decode block: %w", err)
	}
	if b.BlockID == "" || b.StreamID == "" || b.ProcessID == "" {
		return b, invalid("block: block_id, stream_id and process_id are required")
	}
	if b.BeginTime.IsZero() || b.EndTime.IsZero() {
		return b, invalid("block %s: begin_time and end_time are required", b.BlockID)
	}
	if b.EndTime.Before(b.BeginTime.Time) {
		return b, invalid("block %s: end_time %s is before begin_time %s", b.BlockID, b.EndTime.Format(time.RFC3339Nano), b.BeginTime.Format(time.RFC3339Nano))
	}
	if b.NbObjects < 0 || b.ObjectOffset < 0 {
		return b, invalid("block %s: nb_objects and object_offset must not be negative", b.BlockID)
	}
	if err := checkLZ4Frame(b.Payload.Dependencies); err != nil {
		return b, invalid("block %s: payload.dependencies: %v", b.BlockID, err)
	}
	if err := checkLZ4Frame(b.Payload.Objects); err != nil {
		return b, invalid("block %s: payload.objects: %v", b.BlockID, err)
	}
	return b, nil
}

func decodeBody(body []byte, v any) error {
	if len(body) == 0 {
		return invalid("empty body")
	}
	rest, err := decMode.UnmarshalFirst(body, v)
	if err != nil {
		return fmt.Errorf("%w: cbor: %v", ErrInvalid, err)
	}
	if len(rest) != 0 {
		return invalid("%d trailing bytes after the CBOR message", len(rest))
	}
	return nil
}

// Encode encodes a message as CBOR.
func Encode(v any) ([]byte, error) {
	b, err := encMode.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return b, nil
}
