// Package bloom is a split-block Bloom filter of strings, kept per
// Parquet file of spans (the trace ids of otel_spans) so that a lookup by
// id opens only the files that may hold it.
//
// # Format (version 1)
//
// A filter is 2^k blocks of 256 bits, each block eight 32-bit words. A
// string s is hashed with xxHash64 (h = xxhash.Sum64String(s)); its block
// is h >> (64 - k) and, with x = uint32(h), it sets in word i of that
// block the bit (x * salt[i]) >> 27, one bit per word (the salts of the
// Parquet split-block filter). A filter is built with as many blocks as
// its expected key count needs at BitsPerKey bits per key (at most
// MaxBlocks); Encode first folds it (block j of the half-size filter is
// blocks 2j and 2j+1 ORed, since a key's block in a filter of 2^k blocks
// is its hash's top k bits) while no more than half the bits of the
// result are set, which keeps false positives under (1/2)^8 = 0.4%. It
// writes the words little-endian, block after block, in standard base64
// with padding. Changing any of this needs a new metadata key.
package bloom

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/cespare/xxhash/v2"
)

// BitsPerKey is the size a filter is built with per expected key.
const BitsPerKey = 16

// MaxBlocks bounds a filter (2 MiB).
const MaxBlocks = 1 << 16

// maxFoldedFill is the largest share of set bits Encode folds to.
const maxFoldedFill = 0.5

var salts = [8]uint32{0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31}

type block [8]uint32

// Filter is a Bloom filter of strings. The zero value is not usable:
// make one with New or Decode.
type Filter struct {
	blocks []block // len = 1 << (64 - shift)
	shift  uint
}

// New returns an empty filter for about n keys.
func New(n int) *Filter {
	want := max(n, 1) * BitsPerKey / 256
	k := 0
	for 1<<k < want && 1<<k < MaxBlocks {
		k++
	}
	return &Filter{blocks: make([]block, 1<<k), shift: uint(64 - k)}
}

// locate returns the block of hash h and the bit of each word.
func (f *Filter) locate(h uint64) (*block, [8]uint32) {
	var b *block
	if f.shift == 64 {
		b = &f.blocks[0]
	} else {
		b = &f.blocks[h>>f.shift]
	}
	var mask [8]uint32
	x := uint32(h)
	for i, s := range salts {
		mask[i] = 1 << ((x * s) >> 27)
	}
	return b, mask
}

// Add adds s.
func (f *Filter) Add(s string) {
	b, mask := f.locate(xxhash.Sum64String(s))
	for i := range b {
		b[i] |= mask[i]
	}
}

// MayContain reports whether s may have been added: false means it was
// not.
func (f *Filter) MayContain(s string) bool {
	b, mask := f.locate(xxhash.Sum64String(s))
	for i := range b {
		if b[i]&mask[i] == 0 {
			return false
		}
	}
	return true
}

// Size is the filter's size in bytes.
func (f *Filter) Size() int { return 32 * len(f.blocks) }

// fold halves f while the result has at most maxFoldedFill of its bits
// set.
func (f *Filter) fold() {
	for len(f.blocks) > 1 {
		half := make([]block, len(f.blocks)/2)
		set := 0
		for j := range half {
			for i := range half[j] {
				half[j][i] = f.blocks[2*j][i] | f.blocks[2*j+1][i]
				set += bits.OnesCount32(half[j][i])
			}
		}
		if float64(set) > maxFoldedFill*float64(256*len(half)) {
			return
		}
		f.blocks, f.shift = half, f.shift+1
	}
}

// Encode folds the filter (see the package comment) and returns its
// text; f is folded in place.
func (f *Filter) Encode() string {
	f.fold()
	buf := make([]byte, 0, f.Size())
	for _, b := range f.blocks {
		for _, w := range b {
			buf = binary.LittleEndian.AppendUint32(buf, w)
		}
	}
	return base64.StdEncoding.EncodeToString(buf)
}

// Decode reads a filter written by Encode.
func Decode(s string) (*Filter, error) {
	buf, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("bloom: decode filter: %w", err)
	}
	n := len(buf) / 32
	if len(buf)%32 != 0 || n == 0 || n > MaxBlocks || n&(n-1) != 0 {
		return nil, fmt.Errorf("bloom: decode filter: %d bytes is not a power of two of 32-byte blocks up to %d", len(buf), MaxBlocks)
	}
	f := &Filter{blocks: make([]block, n), shift: uint(64 - bits.TrailingZeros(uint(n)))}
	for j := range f.blocks {
		for i := range f.blocks[j] {
			f.blocks[j][i] = binary.LittleEndian.Uint32(buf[32*j+4*i:])
		}
	}
	return f, nil
}
