package telemetry

import (
	"encoding/binary"
	"math/bits"
)

// An LZ4 frame compressor made for event blocks. Events of one stream are
// mostly records of the same size whose type, metadata id and high bytes
// repeat from one record to the next, so the match of a position is most
// often at the distance of the previous match: the compressor tries that
// distance first (one 4-byte compare) and hashes only when it fails. The
// output is a standard LZ4 frame (independent blocks of at most 4 MiB, no
// checksums) that any LZ4 frame reader decodes. On a block of async span
// events it is about 1.7x faster than pierrec/lz4 with a slightly better
// ratio (BenchmarkCompress); compression is what bounds the events per
// second a process can ship.

const (
	lz4Magic        = 0x184D2204
	lz4BlockMax     = 4 << 20 // BD = 7
	lz4MinMatch     = 4
	lz4LastLiterals = 5  // the last 5 bytes of a block are literals
	lz4MFLimit      = 12 // a match starts at least 12 bytes before the end
	lz4MaxDistance  = 65535
	lz4HashLog      = 14
	lz4RepeatSpan   = 8    // bytes after a match tried at the repeat distance only
	lz4FLG          = 0x60 // version 01, independent blocks, no checksums, no size, no dictionary
	lz4BD           = 0x70 // 4 MiB blocks
)

// lz4Compressor keeps its hash table between frames.
type lz4Compressor struct {
	// table holds base+position of the last 4 bytes with a hash; entries
	// below base are from earlier blocks, so the table is cleared only
	// when base wraps.
	table [1 << lz4HashLog]uint32
	base  int
}

// lz4FrameBound is the largest frame of n bytes of input.
func lz4FrameBound(n int) int {
	blocks := n/lz4BlockMax + 1
	return 7 + 4 + n + n/255 + blocks*(4+16)
}

// appendFrame appends the LZ4 frame of src to dst. With raw, the blocks
// of the frame are stored uncompressed: a copy, for when the encoders
// cannot keep up (see shouldCompress).
func (c *lz4Compressor) appendFrame(dst, src []byte, raw bool) []byte {
	if need := len(dst) + lz4FrameBound(len(src)); cap(dst) < need {
		nd := make([]byte, len(dst), need)
		copy(nd, dst)
		dst = nd
	}
	dst = binary.LittleEndian.AppendUint32(dst, lz4Magic)
	dst = append(dst, lz4FLG, lz4BD, lz4HeaderChecksum)
	for len(src) > 0 {
		n := min(len(src), lz4BlockMax)
		at := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		size := n
		if !raw {
			dst = c.appendBlock(dst, src[:n])
			size = len(dst) - at - 4
		}
		if size >= n { // incompressible, or raw: store it as is
			dst = append(dst[:at+4], src[:n]...)
			binary.LittleEndian.PutUint32(dst[at:], uint32(n)|1<<31)
		} else {
			binary.LittleEndian.PutUint32(dst[at:], uint32(size))
		}
		src = src[n:]
	}
	return binary.LittleEndian.AppendUint32(dst, 0) // end mark
}

// appendBlock appends the LZ4 block of src (at most lz4BlockMax bytes);
// dst has room for lz4FrameBound(len(src)).
func (c *lz4Compressor) appendBlock(dst, src []byte) []byte {
	if c.base == 0 || int64(c.base)+int64(len(src)) >= 1<<31 {
		clear(c.table[:])
		c.base = 1
	}
	base := c.base
	c.base += len(src) + 1
	anchor, i, dist, misses := 0, 1, 0, 0
	limit := len(src) - lz4MFLimit
	endMatch := len(src) - lz4LastLiterals
	for i <= limit {
		cur := load32(src, i)
		ref := -1
		if dist > 0 && i >= dist && load32(src, i-dist) == cur {
			ref = i - dist
		} else {
			h := (cur * 2654435761) >> (32 - lz4HashLog)
			cand := int(c.table[h]) - base
			c.table[h] = uint32(base + i)
			if cand >= 0 && i-cand <= lz4MaxDistance && load32(src, cand) == cur {
				ref = cand
			}
		}
		if ref < 0 {
			misses++
			i += 1 + misses>>6
			continue
		}
		misses = 0
		for i > anchor && ref > 0 && src[i-1] == src[ref-1] {
			i--
			ref--
		}
		end := i + lz4MinMatch + matchLen(src[i+lz4MinMatch:endMatch], src[ref+lz4MinMatch:])
		dst = appendSequence(dst, src[anchor:i], i-ref, end-i)
		dist = i - ref
		if end-2 > i {
			c.table[(load32(src, end-2)*2654435761)>>(32-lz4HashLog)] = uint32(base + end - 2)
		}
		anchor, i = end, end
	}
	return appendLiterals(dst, src[anchor:])
}

// matchLen returns how many leading bytes a and b share (b is at least as
// long as a).
func matchLen(a, b []byte) int {
	n := 0
	for len(a)-n >= 8 {
		if x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:]); x != 0 {
			return n + bits.TrailingZeros64(x)>>3
		}
		n += 8
	}
	for n < len(a) && a[n] == b[n] {
		n++
	}
	return n
}

// appendSequence appends literals then a match of length n at distance
// offset.
func appendSequence(dst, lit []byte, offset, n int) []byte {
	token := len(dst)
	dst = appendLiterals(dst, lit)
	dst = binary.LittleEndian.AppendUint16(dst, uint16(offset))
	n -= lz4MinMatch
	if n < 15 {
		dst[token] |= byte(n)
		return dst
	}
	dst[token] |= 15
	return appendLength(dst, n-15)
}

// appendLiterals appends a token with the literal length (the match
// length is or'ed in later) and the literals.
func appendLiterals(dst, lit []byte) []byte {
	if n := len(lit); n < 15 {
		dst = append(dst, byte(n<<4))
	} else {
		dst = append(dst, 15<<4)
		dst = appendLength(dst, n-15)
	}
	return append(dst, lit...)
}

// appendLength appends the extra bytes of a length of 15 or more.
func appendLength(dst []byte, n int) []byte {
	for n >= 255 {
		dst = append(dst, 255)
		n -= 255
	}
	return append(dst, byte(n))
}

func load32(b []byte, i int) uint32 { return binary.LittleEndian.Uint32(b[i:]) }

// lz4HeaderChecksum is the second byte of the xxh32 of FLG and BD.
var lz4HeaderChecksum = byte(xxh32Short([]byte{lz4FLG, lz4BD}) >> 8)

// xxh32Short is xxHash32 with seed 0 of an input shorter than 16 bytes.
func xxh32Short(b []byte) uint32 {
	const p1, p2, p3, p4, p5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
	h := uint32(p5 + len(b))
	for ; len(b) >= 4; b = b[4:] {
		h = bits.RotateLeft32(h+binary.LittleEndian.Uint32(b)*p3, 17) * p4
	}
	for _, c := range b {
		h = bits.RotateLeft32(h+uint32(c)*p5, 11) * p1
	}
	h ^= h >> 15
	h *= p2
	h ^= h >> 13
	h *= p3
	h ^= h >> 16
	return h
}
