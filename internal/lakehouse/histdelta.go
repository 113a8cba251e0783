package lakehouse

import "slices"

// histDelta returns the values of cur that arrived after prev, an
// earlier point of the same series; ok is false when cur cannot follow
// prev (a reset). The delta's min and max bound its values by cur's,
// and are exact only when they are new extremes.
func histDelta(cur, prev *histPoint) (histPoint, bool) {
	if cur.exponential != prev.exponential || cur.count < prev.count {
		return histPoint{}, false
	}
	d := *cur
	d.count = cur.count - prev.count
	d.sum = cur.sum - prev.sum
	d.minExact = cur.hasMin && prev.hasMin && cur.min < prev.min
	d.maxExact = cur.hasMax && prev.hasMax && cur.max > prev.max
	if !cur.exponential {
		if !slices.Equal(cur.bounds, prev.bounds) || len(cur.counts) != len(prev.counts) {
			return histPoint{}, false
		}
		d.counts = make([]uint64, len(cur.counts))
		for i, n := range cur.counts {
			if n < prev.counts[i] {
				return histPoint{}, false
			}
			d.counts[i] = n - prev.counts[i]
		}
		return d, true
	}
	if cur.zeroThreshold != prev.zeroThreshold || cur.scale > prev.scale || cur.zeroCount < prev.zeroCount {
		return histPoint{}, false
	}
	d.zeroCount = cur.zeroCount - prev.zeroCount
	shift := uint(prev.scale - cur.scale)
	var ok bool
	if d.pos, ok = bucketsDelta(cur.posOffset, cur.pos, prev.posOffset, prev.pos, shift); !ok {
		return histPoint{}, false
	}
	if d.neg, ok = bucketsDelta(cur.negOffset, cur.neg, prev.negOffset, prev.neg, shift); !ok {
		return histPoint{}, false
	}
	return d, true
}

// bucketsDelta subtracts the exponential buckets prev (at a scale shift
// finer than cur's: index i is index i>>shift at cur's scale) from cur;
// ok is false when a bucket of prev has more values than cur's.
func bucketsDelta(curOffset int32, cur []uint64, prevOffset int32, prev []uint64, shift uint) ([]uint64, bool) {
	d := slices.Clone(cur)
	for j, n := range prev {
		if n == 0 {
			continue
		}
		k := int64((prevOffset+int32(j))>>shift) - int64(curOffset)
		if k < 0 || k >= int64(len(d)) || d[k] < n {
			return nil, false
		}
		d[k] -= n
	}
	return d, true
}
