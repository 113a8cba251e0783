package ngram

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/bits"
)

// Bits is the number of bits of a filter while strings are added.
const Bits = 1 << 19

// Bytes is the size of that bitset.
const Bytes = Bits / 8

// words is the number of 64-bit blocks of a filter being built, and
// minWords the fewest Encode folds it to.
const (
	words    = Bits / 64
	minWords = 16
)

// maxFoldedFill is the largest share of set bits Encode folds a filter
// to: with two bits per trigram, a trigram absent from the strings is
// reported present with a probability of about maxFoldedFill².
const maxFoldedFill = 0.25

// Filter is a Bloom filter of trigrams (see the package comment). The
// zero value is not usable: make one with New or Decode.
type Filter struct {
	w     []uint64 // len(w) = 1 << (64 - shift)
	shift uint     // a trigram's block is its hash >> shift
}

// New returns an empty filter of Bits bits.
func New() *Filter { return &Filter{w: make([]uint64, words), shift: 64 - 13} }

// hash returns the hash of trigram t and its two-bit mask within its
// block (see the package comment): bits 32–37 and 38–43 of one
// multiplicative (Fibonacci) hash pick the bits, its top bits the block.
func hash(t uint32) (uint64, uint64) {
	h := uint64(t) * 0x9e3779b97f4a7c15
	return h, 1<<((h>>32)&63) | 1<<((h>>38)&63)
}

// Add adds the trigrams of s.
func (f *Filter) Add(s string) {
	if len(f.w) != words { // a folded filter, read by Decode
		for i := 0; i+3 <= len(s); i++ {
			h, m := hash(trigram(s, i))
			f.w[h>>f.shift] |= m
		}
		return
	}
	w := (*[words]uint64)(f.w)
	i := 0
	// Eight bytes at a time: the six trigrams that start in the first six.
	for ; i+8 <= len(s); i += 6 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		h0, m0 := hash(uint32(x) & 0xffffff)
		h1, m1 := hash(uint32(x>>8) & 0xffffff)
		h2, m2 := hash(uint32(x>>16) & 0xffffff)
		h3, m3 := hash(uint32(x>>24) & 0xffffff)
		h4, m4 := hash(uint32(x>>32) & 0xffffff)
		h5, m5 := hash(uint32(x>>40) & 0xffffff)
		w[h0>>51] |= m0
		w[h1>>51] |= m1
		w[h2>>51] |= m2
		w[h3>>51] |= m3
		w[h4>>51] |= m4
		w[h5>>51] |= m5
	}
	for ; i+3 <= len(s); i++ {
		h, m := hash(trigram(s, i))
		w[h>>51] |= m
	}
}

// trigram returns the trigram of s starting at byte i.
func trigram(s string, i int) uint32 {
	return uint32(s[i]) | uint32(s[i+1])<<8 | uint32(s[i+2])<<16
}

// MayContain reports whether an added string may contain s: false only
// when s has a trigram no added string has. Strings shorter than 3 bytes
// may always be contained.
func (f *Filter) MayContain(s string) bool {
	if len(s) < 3 {
		return true
	}
	for i := 0; i+3 <= len(s); i++ {
		h, m := hash(trigram(s, i))
		if f.w[h>>f.shift]&m != m {
			return false
		}
	}
	return true
}

// folded returns the blocks of f halved as often as the share of set
// bits stays under maxFoldedFill and there are more than minWords
// blocks: block i of the half is blocks 2i and 2i+1 ORed, so a trigram's
// block is its hash shifted one bit more and every trigram added stays
// present.
func (f *Filter) folded() ([]uint64, uint) {
	w, shift := f.w, f.shift
	for len(w) > minWords {
		half := make([]uint64, len(w)/2)
		set := 0
		for i := range half {
			half[i] = w[2*i] | w[2*i+1]
			set += bits.OnesCount64(half[i])
		}
		if float64(set) > maxFoldedFill*float64(64*len(half)) {
			break
		}
		w, shift = half, shift+1
	}
	return w, shift
}

// Encode returns the filter, folded to the fewest blocks that keep it
// selective, in the format of the package comment.
func (f *Filter) Encode() string {
	w, _ := f.folded()
	buf := make([]byte, 0, 8*len(w))
	for _, x := range w {
		buf = binary.LittleEndian.AppendUint64(buf, x)
	}
	return base64.StdEncoding.EncodeToString(buf)
}

// Decode reads a filter written by Encode: 2^k blocks, minWords ≤ 2^k ≤
// Bits/64.
func Decode(s string) (*Filter, error) {
	buf, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("ngram: decode filter: %w", err)
	}
	n := len(buf) / 8
	if len(buf)%8 != 0 || n < minWords || n > words || n&(n-1) != 0 {
		return nil, fmt.Errorf("ngram: decode filter: %d bytes, want 8 × a power of two from %d to %d", len(buf), minWords, words)
	}
	f := &Filter{w: make([]uint64, n), shift: uint(64 - bits.TrailingZeros(uint(n)))}
	for i := range f.w {
		f.w[i] = binary.LittleEndian.Uint64(buf[8*i:])
	}
	return f, nil
}
