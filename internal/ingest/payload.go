package ingest

import (
	"encoding/binary"

	"github.com/micromegas-go/micromegas/internal/transit"
)

// encodePayload returns the stored object of a block: the CBOR map
// {"dependencies": bytes, "objects": bytes}, byte for byte what
// transit.EncodePayload produces, in one allocation and one copy of each
// buffer. The generic CBOR encoder copies a payload of megabytes several
// times over; on the ingestion path that cost more than decoding the
// request.
func encodePayload(p transit.BlockPayload) []byte {
	const depsKey, objsKey = "dependencies", "objects"
	b := make([]byte, 0, 1+1+len(depsKey)+9+len(p.Dependencies)+1+len(objsKey)+9+len(p.Objects))
	b = append(b, 0xa2) // map of 2 pairs
	b = appendText(b, depsKey)
	b = appendBytes(b, p.Dependencies)
	b = appendText(b, objsKey)
	return appendBytes(b, p.Objects)
}

// appendText appends a short (< 24 bytes) CBOR text string.
func appendText(b []byte, s string) []byte {
	return append(append(b, 0x60|byte(len(s))), s...)
}

// appendBytes appends a CBOR byte string, or null for a nil slice (as the
// generic encoder does).
func appendBytes(b, v []byte) []byte {
	if v == nil {
		return append(b, 0xf6)
	}
	return append(appendHead(b, 0x40, uint64(len(v))), v...)
}

// appendHead appends the head of a CBOR item of major type major (shifted)
// and argument n, in its shortest form.
func appendHead(b []byte, major byte, n uint64) []byte {
	switch {
	case n < 24:
		return append(b, major|byte(n))
	case n <= 0xff:
		return append(b, major|24, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, major|25), uint16(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, major|26), uint32(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, major|27), n)
	}
}
