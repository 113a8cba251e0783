package transit

import (
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// BlockPayload is the stored object of a block: the LZ4-framed dependency
// and object buffers. It is what lands at blobs/{process}/{stream}/{block}.
type BlockPayload struct {
	Dependencies Bytes `cbor:"dependencies"`
	Objects      Bytes `cbor:"objects"`
}

// Bytes is a byte slice encoded as a CBOR byte string. On decode it also
// accepts an array of small unsigned integers, the form that serde gives
// Vec<u8> (v0.15 Rust clients).
type Bytes []byte

// UnmarshalCBOR implements cbor.Unmarshaler.
func (p *Bytes) UnmarshalCBOR(data []byte) error {
	if len(data) == 0 {
		return fmt.Errorf("empty bytes")
	}
	switch major := data[0] >> 5; major {
	case 2: // byte string
		var b []byte
		if err := decMode.Unmarshal(data, &b); err != nil {
			return err
		}
		*p = b
		return nil
	case 4: // array of uints
		var ints []uint64
		if err := decMode.Unmarshal(data, &ints); err != nil {
			return fmt.Errorf("bytes as an array: %w", err)
		}
		b := make([]byte, len(ints))
		for i, v := range ints {
			if v > 255 {
				return fmt.Errorf("bytes as an array: item %d is %d, not a byte", i, v)
			}
			b[i] = byte(v)
		}
		*p = b
		return nil
	case 7: // null
		*p = nil
		return nil
	default:
		return fmt.Errorf("bytes: want a byte string or an array of integers, got CBOR major type %d", major)
	}
}

// MarshalCBOR implements cbor.Marshaler.
func (p Bytes) MarshalCBOR() ([]byte, error) {
	return cbor.Marshal([]byte(p))
}

// EncodePayload encodes a payload as it is stored in the object store.
func EncodePayload(p BlockPayload) ([]byte, error) {
	return Encode(p)
}

// DecodePayload decodes a stored payload.
func DecodePayload(b []byte) (BlockPayload, error) {
	var p BlockPayload
	if err := decodeBody(b, &p); err != nil {
		return p, fmt.Errorf("decode block payload: %w", err)
	}
	return p, nil
}
