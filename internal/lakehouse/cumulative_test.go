package lakehouse

import (
	"slices"
	"testing"
	"time"
)

func explicitHist(t int64, counts ...uint64) histPoint {
	var n uint64
	for _, c := range counts {
		n += c
	}
	return histPoint{time: t, start: 1, count: n, sum: float64(n), bounds: []float64{10, 100}, counts: counts}
}

func expHist(scale, offset int32, zero uint64, pos ...uint64) histPoint {
	n := zero
	for _, c := range pos {
		n += c
	}
	return histPoint{exponential: true, scale: scale, zeroCount: zero, posOffset: offset, pos: pos, count: n}
}

func TestHistDelta(t *testing.T) {
	for _, tc := range []struct {
		name       string
		prev, cur  histPoint
		wantOK     bool
		wantCounts []uint64 // explicit counts, or positive buckets from wantOffset
		wantOffset int32
		wantZero   uint64
	}{
		{name: "steady", prev: explicitHist(1, 1, 2, 0), cur: explicitHist(2, 3, 2, 1), wantOK: true, wantCounts: []uint64{2, 0, 1}},
		{name: "nothing new", prev: explicitHist(1, 1, 2, 0), cur: explicitHist(2, 1, 2, 0), wantOK: true, wantCounts: []uint64{0, 0, 0}},
		{name: "count going down is a reset", prev: explicitHist(1, 1, 2, 0), cur: explicitHist(2, 0, 1, 0)},
		{name: "a bucket going down is a reset", prev: explicitHist(1, 1, 2, 0), cur: explicitHist(2, 0, 5, 0)},
		{name: "other bounds are a reset", prev: explicitHist(1, 1, 2, 0),
			cur: histPoint{time: 2, count: 4, bounds: []float64{10, 50}, counts: []uint64{1, 2, 1}}},
		{name: "other bucket count is a reset", prev: explicitHist(1, 1, 2, 0),
			cur: histPoint{time: 2, count: 4, bounds: []float64{10, 100}, counts: []uint64{1, 2, 1, 0}}},
		{name: "explicit then exponential is a reset", prev: explicitHist(1, 1), cur: expHist(0, 0, 0, 1)},
		{name: "exponential, offset moves down", prev: expHist(0, 3, 0, 1, 2), cur: expHist(0, 2, 0, 1, 1, 4),
			wantOK: true, wantOffset: 2, wantCounts: []uint64{1, 0, 2}},
		{name: "exponential, coarser scale merges the previous buckets", prev: expHist(1, 6, 0, 1, 1, 2),
			cur: expHist(0, 3, 0, 5, 3), wantOK: true, wantOffset: 3, wantCounts: []uint64{3, 1}},
		{name: "exponential, coarser scale, negative indexes", prev: expHist(2, -5, 0, 1, 1),
			cur: expHist(0, -2, 0, 3, 1), wantOK: true, wantOffset: -2, wantCounts: []uint64{2, 0}}, // -5, -4 → -2, -1
		{name: "exponential, finer scale is a reset", prev: expHist(0, 3, 0, 1), cur: expHist(1, 6, 0, 2)},
		{name: "exponential, previous bucket out of range is a reset", prev: expHist(0, 1, 0, 1), cur: expHist(0, 3, 0, 5)},
		{name: "zero bucket", prev: expHist(0, 3, 2, 1), cur: expHist(0, 3, 5, 1), wantOK: true, wantOffset: 3,
			wantCounts: []uint64{0}, wantZero: 3},
		{name: "zero bucket going down is a reset", prev: expHist(0, 3, 2, 1), cur: expHist(0, 3, 1, 4)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := histDelta(&tc.cur, &tc.prev)
			if ok != tc.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tc.wantOK)
			}
			if !ok {
				return
			}
			got := d.counts
			if d.exponential {
				got = d.pos
				if d.posOffset != tc.wantOffset || d.zeroCount != tc.wantZero {
					t.Errorf("offset %d zero %d, want %d and %d", d.posOffset, d.zeroCount, tc.wantOffset, tc.wantZero)
				}
			}
			if !slices.Equal(got, tc.wantCounts) {
				t.Errorf("counts %v, want %v", got, tc.wantCounts)
			}
			if d.count != tc.cur.count-tc.prev.count {
				t.Errorf("count %d, want %d", d.count, tc.cur.count-tc.prev.count)
			}
		})
	}
}

func TestHistDeltaMinMax(t *testing.T) {
	prev, cur := explicitHist(1, 1, 2, 0), explicitHist(2, 1, 2, 3)
	prev.min, prev.max, prev.hasMin, prev.hasMax = 5, 50, true, true
	cur.min, cur.max, cur.hasMin, cur.hasMax = 5, 300, true, true
	d, ok := histDelta(&cur, &prev)
	if !ok || d.minExact || !d.maxExact {
		t.Fatalf("ok %v minExact %v maxExact %v, want a delta whose max only is its own", ok, d.minExact, d.maxExact)
	}
	// The new values are all in the last bucket: counted between 100 and
	// the new max, the sketch's min is not the old min.
	sk := d.sketch()
	if sk.Count != 3 || sk.Max != 300 || sk.Min < 100 {
		t.Errorf("sketch count %d min %g max %g, want 3 values in (100, 300]", sk.Count, sk.Min, sk.Max)
	}
}

// TestCumulativeState feeds the points of one series, block after
// block, and checks what each counts.
func TestCumulativeState(t *testing.T) {
	const min = int64(time.Minute)
	type step struct {
		insert, time, start int64 // insert time of the block (ns), point time, start time
		counts              []uint64
		want                []uint64 // counted buckets; nil: nothing
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"steady series, first point with a recent start counted whole", []step{
			{60 * min, 60 * min, 59 * min, []uint64{1, 0, 0}, []uint64{1, 0, 0}},
			{61 * min, 61 * min, 59 * min, []uint64{1, 2, 0}, []uint64{0, 2, 0}},
			{62 * min, 62 * min, 59 * min, []uint64{4, 2, 1}, []uint64{3, 0, 1}},
		}},
		{"first point with an old start is the base only", []step{
			{100 * min, 100 * min, 10 * min, []uint64{5, 5, 5}, nil},
			{101 * min, 101 * min, 10 * min, []uint64{6, 5, 5}, []uint64{1, 0, 0}},
		}},
		{"first point without a start is the base only", []step{
			{100 * min, 100 * min, 0, []uint64{5, 5, 5}, nil},
			{101 * min, 101 * min, 0, []uint64{5, 7, 5}, []uint64{0, 2, 0}},
		}},
		{"out of order and repeated points count nothing", []step{
			{60 * min, 60 * min, 59 * min, []uint64{1, 0, 0}, []uint64{1, 0, 0}},
			{61 * min, 63 * min, 59 * min, []uint64{3, 0, 0}, []uint64{2, 0, 0}},
			{62 * min, 62 * min, 59 * min, []uint64{2, 0, 0}, nil},
			{63 * min, 63 * min, 59 * min, []uint64{3, 0, 0}, nil},
			{64 * min, 64 * min, 59 * min, []uint64{3, 1, 0}, []uint64{0, 1, 0}},
		}},
		{"a reset counts whole", []step{
			{60 * min, 60 * min, 59 * min, []uint64{4, 0, 0}, []uint64{4, 0, 0}},
			{61 * min, 61 * min, 59 * min, []uint64{1, 1, 0}, []uint64{1, 1, 0}},
			{62 * min, 62 * min, 59 * min, []uint64{1, 2, 0}, []uint64{0, 1, 0}},
		}},
		{"a previous point older than the look-back is forgotten", []step{
			{60 * min, 60 * min, 0, []uint64{4, 0, 0}, nil},
			{130 * min, 130 * min, 0, []uint64{5, 0, 0}, nil},
			{131 * min, 131 * min, 0, []uint64{5, 0, 1}, []uint64{0, 0, 1}},
		}},
		{"the latest point of the look-back is the previous one", []step{
			{60 * min, 65 * min, 0, []uint64{4, 0, 0}, nil},
			{61 * min, 62 * min, 0, []uint64{2, 0, 0}, nil},
			{62 * min, 66 * min, 0, []uint64{5, 0, 0}, []uint64{1, 0, 0}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newCumulativeState("s")
			for i, st := range tc.steps {
				s.expire(st.insert - int64(cumulativeLookBack))
				c := cumulativePoint{key: seriesKey{name: "h", start: st.start}, p: explicitHist(st.time, st.counts...)}
				c.p.start = st.start
				d, ok := s.delta(&c, st.insert)
				var got []uint64
				if ok && d.count > 0 {
					got = d.counts
				}
				if !slices.Equal(got, st.want) {
					t.Errorf("step %d counts %v, want %v", i, got, st.want)
				}
				s.add(&c, st.insert)
			}
		})
	}
}
