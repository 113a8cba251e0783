// Package sketch holds mergeable quantile sketches of float64 values with
// a bounded relative error: the per-minute distributions that the
// maintenance daemon keeps for metrics (the measure_stats view), so that
// a p99 per minute over a day reads 1,440 small sketches instead of every
// value.
//
// A value falls in a bucket named by the top bits of its IEEE 754
// representation: the sign, the 11 exponent bits and the first
// MantissaBits bits of the mantissa. Buckets are 2^-MantissaBits wide
// relative to their lower bound (0.78%), and a bucket's value is its
// midpoint, so any value read back is within RelativeError (0.39%) of the
// values it stands for. Keys order like the values they hold, zero (and
// subnormals) is key 0, negative values have negative keys. Sketches of
// the same values merge exactly, in any order.
package sketch

import (
	"math"
	"slices"
)

// MantissaBits is the number of mantissa bits in a bucket key.
const MantissaBits = 7

// RelativeError bounds |read - v| / |v| for a value v read back from its
// bucket (zero and subnormals read back as 0).
const RelativeError = 1.0 / (2 << MantissaBits)

const shift = 52 - MantissaBits

// Key returns the bucket of v. NaN has no bucket: callers skip it.
func Key(v float64) int32 {
	k := int32(math.Float64bits(math.Abs(v)) >> shift)
	if v < 0 {
		return -k
	}
	return k
}

// Value returns the midpoint of bucket key: the value a quantile falling
// in it reads back.
func Value(key int32) float64 {
	switch {
	case key == 0:
		return 0
	case key < 0:
		return -Value(-key)
	}
	lo := math.Float64frombits(uint64(key) << shift)
	hi := math.Float64frombits(uint64(key+1) << shift)
	if math.IsInf(hi, 0) || math.IsNaN(hi) {
		return lo // the last finite bucket, or +Inf itself
	}
	return lo + (hi-lo)/2
}

// Sketch is the distribution of Count values between Min and Max:
// Counts[i] values in bucket Keys[i], keys ascending and distinct.
type Sketch struct {
	Min, Max float64
	Count    uint64
	Keys     []int32
	Counts   []uint64
}

// Quantile returns the value at ratio (0 the minimum, 1 the maximum) of
// the values: within RelativeError of the nearest-rank quantile (the
// ⌈ratio × Count⌉-th smallest value, as SQL's quantile_disc), clamped
// into [Min, Max]. It returns NaN for an empty sketch.
func (s *Sketch) Quantile(ratio float64) float64 {
	if s.Count == 0 {
		return math.NaN()
	}
	if ratio <= 0 {
		return s.Min
	}
	if ratio >= 1 {
		return s.Max
	}
	rank := Rank(ratio, s.Count)
	var cum uint64
	for i, c := range s.Counts {
		cum += c
		if cum > rank {
			return min(max(Value(s.Keys[i]), s.Min), s.Max)
		}
	}
	return s.Max
}

// Rank returns the 0-based index in the sorted values of the
// nearest-rank quantile ratio of count values: ⌈ratio × count⌉ − 1,
// within [0, count − 1].
func Rank(ratio float64, count uint64) uint64 {
	r := math.Ceil(ratio * float64(count))
	switch {
	case r < 1:
		return 0
	case r >= float64(count):
		return count - 1
	}
	return uint64(r) - 1
}

// Builder accumulates values and sketches into one sketch. The zero
// Builder is empty and ready.
type Builder struct {
	min, max float64
	count    uint64
	buckets  map[int32]uint64
}

// Add counts v; NaN is ignored.
func (b *Builder) Add(v float64) { b.AddN(v, 1) }

// AddN counts v n times (the n values of a histogram bucket); NaN and
// n = 0 are ignored.
func (b *Builder) AddN(v float64, n uint64) {
	if math.IsNaN(v) || n == 0 {
		return
	}
	if b.buckets == nil {
		b.buckets = map[int32]uint64{}
	}
	if b.count == 0 || v < b.min {
		b.min = v
	}
	if b.count == 0 || v > b.max {
		b.max = v
	}
	b.count += n
	b.buckets[Key(v)] += n
}

// Merge adds the values of s.
func (b *Builder) Merge(s *Sketch) {
	if s.Count == 0 {
		return
	}
	if b.buckets == nil {
		b.buckets = make(map[int32]uint64, len(s.Keys))
	}
	if b.count == 0 || s.Min < b.min {
		b.min = s.Min
	}
	if b.count == 0 || s.Max > b.max {
		b.max = s.Max
	}
	b.count += s.Count
	for i, k := range s.Keys {
		b.buckets[k] += s.Counts[i]
	}
}

// Count returns the number of values added so far.
func (b *Builder) Count() uint64 { return b.count }

// Sketch returns the values added so far as a sketch (keys ascending).
func (b *Builder) Sketch() Sketch {
	s := Sketch{Min: b.min, Max: b.max, Count: b.count,
		Keys: make([]int32, 0, len(b.buckets)), Counts: make([]uint64, 0, len(b.buckets))}
	for k := range b.buckets {
		s.Keys = append(s.Keys, k)
	}
	slices.Sort(s.Keys)
	for _, k := range s.Keys {
		s.Counts = append(s.Counts, b.buckets[k])
	}
	return s
}

// Reset empties b, keeping its memory.
func (b *Builder) Reset() {
	clear(b.buckets)
	b.min, b.max, b.count = 0, 0, 0
}
