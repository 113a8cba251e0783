package lakehouse

import (
	"math"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/micromegas-go/micromegas/internal/sketch"
)

// histPoint is one OTLP histogram data point, explicit or exponential,
// in plain values: the form in which the deltas of cumulative points
// are computed (cumulative.go) and points become sketches.
type histPoint struct {
	time, start int64 // ns since epoch; start 0 when unknown
	count       uint64
	sum         float64
	// min and max, when has*, bound the point's values; *Exact says they
	// are values of the point (a delta computed from cumulative points
	// knows its min only when it is a new minimum).
	min, max           float64
	hasMin, hasMax     bool
	minExact, maxExact bool

	exponential bool
	// explicit: counts[i] values in (bounds[i-1], bounds[i]].
	bounds []float64
	counts []uint64
	// exponential: index i at scale s is (base^i, base^(i+1)] with base
	// 2^(2^-s); pos[j] is index posOffset+j, neg likewise for -values.
	scale                int32
	zeroCount            uint64
	zeroThreshold        float64
	posOffset, negOffset int32
	pos, neg             []uint64
}

// explicitPoint copies an explicit-bounds histogram point.
func explicitPoint(p pmetric.HistogramDataPoint) histPoint {
	return histPoint{
		time: int64(p.Timestamp()), start: int64(p.StartTimestamp()), count: p.Count(), sum: p.Sum(),
		min: p.Min(), max: p.Max(), hasMin: p.HasMin(), hasMax: p.HasMax(), minExact: p.HasMin(), maxExact: p.HasMax(),
		bounds: p.ExplicitBounds().AsRaw(), counts: p.BucketCounts().AsRaw(),
	}
}

// exponentialPoint copies an exponential histogram point.
func exponentialPoint(p pmetric.ExponentialHistogramDataPoint) histPoint {
	return histPoint{
		time: int64(p.Timestamp()), start: int64(p.StartTimestamp()), count: p.Count(), sum: p.Sum(),
		min: p.Min(), max: p.Max(), hasMin: p.HasMin(), hasMax: p.HasMax(), minExact: p.HasMin(), maxExact: p.HasMax(),
		exponential: true, scale: p.Scale(), zeroCount: p.ZeroCount(), zeroThreshold: p.ZeroThreshold(),
		posOffset: p.Positive().Offset(), pos: p.Positive().BucketCounts().AsRaw(),
		negOffset: p.Negative().Offset(), neg: p.Negative().BucketCounts().AsRaw(),
	}
}

// sketch returns the sketch of the point's values.
func (p *histPoint) sketch() sketch.Sketch {
	var sk sketch.Sketch
	if p.exponential {
		sk = p.exponentialSketch()
	} else {
		sk = p.explicitSketch()
	}
	if p.hasMin && p.minExact && sk.Count > 0 {
		sk.Min = p.min
	}
	if p.hasMax && p.maxExact && sk.Count > 0 {
		sk.Max = p.max
	}
	return sk
}

// explicitSketch counts the values of bucket i, (bounds[i-1],
// bounds[i]], at the bucket's midpoint; the open first and last buckets
// end at the point's min and max when it has them, else at their one
// bound; every value is kept within [min, max].
func (p *histPoint) explicitSketch() sketch.Sketch {
	var b sketch.Builder
	for i, n := range p.counts {
		if n == 0 {
			continue
		}
		var lo, hi float64
		switch {
		case len(p.bounds) == 0: // one bucket: all values
			lo, hi = p.min, p.max
			if !p.hasMin || !p.hasMax {
				lo, hi = p.sum/float64(p.count), p.sum/float64(p.count)
			}
		case i == 0:
			hi = p.bounds[0]
			lo = hi
			if p.hasMin && p.min <= hi {
				lo = p.min
			}
		case i >= len(p.bounds):
			lo = p.bounds[len(p.bounds)-1]
			hi = lo
			if p.hasMax && p.max >= lo {
				hi = p.max
			}
		default:
			lo, hi = p.bounds[i-1], p.bounds[i]
		}
		v := lo + (hi-lo)/2
		if p.hasMin {
			v = math.Max(v, p.min)
		}
		if p.hasMax {
			v = math.Min(v, p.max)
		}
		b.AddN(v, n)
	}
	return b.Sketch()
}

// exponentialSketch counts the values of bucket index i at its
// geometric midpoint base^(i+1/2) (negative buckets mirrored), the zero
// bucket at 0.
func (p *histPoint) exponentialSketch() sketch.Sketch {
	var b sketch.Builder
	step := math.Exp2(-float64(p.scale))
	add := func(offset int32, counts []uint64, sign float64) {
		for j, n := range counts {
			idx := float64(offset) + float64(j)
			b.AddN(sign*math.Exp2((idx+0.5)*step), n)
		}
	}
	b.AddN(0, p.zeroCount)
	add(p.posOffset, p.pos, 1)
	add(p.negOffset, p.neg, -1)
	return b.Sketch()
}
