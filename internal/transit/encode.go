package transit

import (
	"encoding/binary"
	"math"
)

// String codecs of DynString (spec 2.6).
const (
	CodecAnsi byte = 0
	CodecWide byte = 1
	CodecUtf8 byte = 2
)

// AppendU8 appends v.
func AppendU8(dst []byte, v uint8) []byte { return append(dst, v) }

// AppendU32 appends v little-endian.
func AppendU32(dst []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(dst, v) }

// AppendU64 appends v little-endian.
func AppendU64(dst []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(dst, v) }

// AppendI64 appends v little-endian.
func AppendI64(dst []byte, v int64) []byte { return binary.LittleEndian.AppendUint64(dst, uint64(v)) }

// AppendF64 appends the IEEE 754 bits of v little-endian.
func AppendF64(dst []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
}

// AppendDynString appends s as a DynString: [u8 codec=Utf8][u32 len][bytes].
func AppendDynString(dst []byte, s string) []byte {
	dst = append(dst, CodecUtf8)
	dst = AppendU32(dst, uint32(len(s)))
	return append(dst, s...)
}

// DynStringSize is the encoded size of s as a DynString.
func DynStringSize(s string) int { return 1 + 4 + len(s) }
