package ngram

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
)

// Bits is the number of bits of a filter.
const Bits = 1 << 19

// Bytes is the size of a filter's bitset.
const Bytes = Bits / 8

// words is the number of 64-bit blocks of a filter.
const words = Bits / 64

// Filter is a Bloom filter of trigrams (see the package comment). The
// zero value is not usable: make one with New or Decode.
type Filter struct{ w *[words]uint64 }

// New returns an empty filter.
func New() *Filter { return &Filter{w: new([words]uint64)} }

// hash returns the block and the two-bit mask of trigram t (see the
// package comment): bits 51–63 of one multiplicative (Fibonacci) hash
// of t pick the block, bits 32–37 and 38–43 the bits; all depend on every
// bit of t.
func hash(t uint32) (uint64, uint64) {
	h := uint64(t) * 0x9e3779b97f4a7c15
	return h >> 51, 1<<((h>>32)&63) | 1<<((h>>38)&63)
}

// Add adds the trigrams of s.
func (f *Filter) Add(s string) {
	w := f.w
	i := 0
	// Eight bytes at a time: the six trigrams that start in the first six.
	for ; i+8 <= len(s); i += 6 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		b0, m0 := hash(uint32(x) & 0xffffff)
		b1, m1 := hash(uint32(x>>8) & 0xffffff)
		b2, m2 := hash(uint32(x>>16) & 0xffffff)
		b3, m3 := hash(uint32(x>>24) & 0xffffff)
		b4, m4 := hash(uint32(x>>32) & 0xffffff)
		b5, m5 := hash(uint32(x>>40) & 0xffffff)
		w[b0] |= m0
		w[b1] |= m1
		w[b2] |= m2
		w[b3] |= m3
		w[b4] |= m4
		w[b5] |= m5
	}
	for ; i+3 <= len(s); i++ {
		b, m := hash(trigram(s, i))
		w[b] |= m
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
		b, m := hash(trigram(s, i))
		if f.w[b]&m != m {
			return false
		}
	}
	return true
}

// Encode returns the filter in the format of the package comment.
func (f *Filter) Encode() string {
	buf := make([]byte, 0, Bytes)
	for _, x := range f.w {
		buf = binary.LittleEndian.AppendUint64(buf, x)
	}
	return base64.StdEncoding.EncodeToString(buf)
}

// Decode reads a filter written by Encode.
func Decode(s string) (*Filter, error) {
	if len(s) != base64.StdEncoding.EncodedLen(Bytes) {
		return nil, fmt.Errorf("ngram: decode filter: %d characters, want %d", len(s), base64.StdEncoding.EncodedLen(Bytes))
	}
	buf, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("ngram: decode filter: %w", err)
	}
	if len(buf) != Bytes {
		return nil, fmt.Errorf("ngram: decode filter: %d bytes, want %d", len(buf), Bytes)
	}
	f := New()
	for i := range f.w {
		f.w[i] = binary.LittleEndian.Uint64(buf[8*i:])
	}
	return f, nil
}
