package lakehouse

import (
	"slices"
	"time"
)

// Cumulative histograms.
//
// A histogram point with cumulative temporality (the OpenTelemetry SDKs'
// default) holds every value since its start time, so each export
// repeats the values of the previous ones. measure_stats counts the
// values that arrived between a point and the previous point of its
// series: its delta.
//
// A series is the process (one stream per process), the metric's name,
// scope and unit, the point's attributes, its kind (explicit or
// exponential) and its start_time_unix_nano. The previous point of a
// point of block B is the latest point (by time) of its series in the
// blocks of B's stream inserted in the hour before B
// (cumulativeLookBack), or earlier in B. Each block's deltas therefore
// depend only on the blocks of its stream, never on how partitions cut
// them, and no value is counted twice:
//   - a point no later than the previous point (a repeated or late
//     export) counts nothing;
//   - a point that cannot follow the previous one (a bucket or the count
//     going down, other bounds, a zero threshold or a finer scale: the
//     producer restarted) counts whole;
//   - a coarser exponential scale merges the previous point's buckets
//     to it (SDKs downscale a cumulative histogram as its range grows);
//   - a first point (no previous point in the look-back) counts whole
//     when its start time is known and at most cumulativeRecentStart
//     before B's insert time (so any earlier point of the series would
//     be in the look-back, even with the client's clock that much
//     ahead), else it only serves as the base of the next point.

// cumulativeLookBack is how far back in insert time, before a block,
// the previous points of its series are looked for.
const cumulativeLookBack = time.Hour

// cumulativeRecentStart is the age (before its block's insert time)
// under which a series' start time lets its first point count whole.
const cumulativeRecentStart = 30 * time.Minute

// seriesKey identifies a cumulative histogram series within a stream.
type seriesKey struct {
	name, target, unit, props string
	start                     int64
	exponential               bool
}

// cumulativePoint is a cumulative histogram point with its series.
type cumulativePoint struct {
	key seriesKey
	p   histPoint
}

// blockPos orders the blocks of a stream as the catalog lists them: by
// insert time, then block id.
type blockPos struct {
	insert int64 // ns since epoch
	id     string
}

func (a blockPos) before(b blockPos) bool {
	return a.insert < b.insert || a.insert == b.insert && a.id < b.id
}

// seenPoint is a point met in a block.
type seenPoint struct {
	insert int64 // its block's insert time
	p      histPoint
}

// cumulativeState holds, per series, the points of the look-back that
// may be the previous point of a later one: a deque whose times
// decrease from front to back (a sliding-window maximum), so the front
// is the latest point of the window; in order, it holds one point.
type cumulativeState struct {
	stream string
	last   blockPos // the last block added
	series map[seriesKey][]seenPoint
}

func newCumulativeState(stream string) *cumulativeState {
	return &cumulativeState{stream: stream, series: map[seriesKey][]seenPoint{}}
}

// expire forgets the points of blocks inserted before t (ns).
func (s *cumulativeState) expire(t int64) {
	for k, q := range s.series {
		i := 0
		for i < len(q) && q[i].insert < t {
			i++
		}
		switch {
		case i == len(q):
			delete(s.series, k)
		case i > 0:
			s.series[k] = slices.Delete(q, 0, i)
		}
	}
}

// add records a point of a block inserted at insert (ns).
func (s *cumulativeState) add(c *cumulativePoint, insert int64) {
	q := s.series[c.key]
	for len(q) > 0 && q[len(q)-1].p.time <= c.p.time {
		q = q[:len(q)-1]
	}
	s.series[c.key] = append(q, seenPoint{insert: insert, p: c.p})
}

// delta returns the values of c that measure_stats counts, for a point
// of a block inserted at insert (ns), given the points added so far
// (expired to the look-back); ok is false when it counts none.
func (s *cumulativeState) delta(c *cumulativePoint, insert int64) (histPoint, bool) {
	q := s.series[c.key]
	if len(q) == 0 {
		recent := c.p.start != 0 && c.p.start >= insert-int64(cumulativeRecentStart)
		return c.p, recent
	}
	prev := &q[0].p
	if c.p.time <= prev.time {
		return histPoint{}, false
	}
	if d, ok := histDelta(&c.p, prev); ok {
		return d, true
	}
	return c.p, true // a reset: the point's values are all new
}
