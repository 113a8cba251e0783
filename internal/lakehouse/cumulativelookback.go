package lakehouse

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// maxCumulativeStates bounds the streams whose cumulative state a
// Lakehouse keeps between conversions.
const maxCumulativeStates = 1024

// cumulativeStates keeps the state of each stream after the last block
// converted, so that converting the next blocks (the daemon's next
// slice) reads only the blocks inserted since. A conversion takes a
// state and puts it back when done: two conversions of one stream never
// share one.
type cumulativeStates struct {
	mu     sync.Mutex
	states map[string]*cumulativeState
}

// take removes and returns the state of stream, or nil.
func (c *cumulativeStates) take(stream string) *cumulativeState {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.states[stream]
	delete(c.states, stream)
	return s
}

// put keeps s unless a state of the same stream further on is kept.
func (c *cumulativeStates) put(s *cumulativeState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.states == nil {
		c.states = map[string]*cumulativeState{}
	}
	if old, ok := c.states[s.stream]; ok && !old.last.before(s.last) {
		return
	}
	if len(c.states) >= maxCumulativeStates {
		for k := range c.states { // any one: a state is only a cache
			delete(c.states, k)
			break
		}
	}
	c.states[s.stream] = s
}

// cumulativeDeltas returns the measure_stats histograms of the
// cumulative points of block b (cumulative.go), reading the blocks of
// its stream inserted in the look-back before it that its state lacks.
func (l *Lakehouse) cumulativeDeltas(ctx context.Context, b catalog.Block, m *streamMeta, points []cumulativePoint) ([]histogramRow, error) {
	s, err := l.cumulativeStateBefore(ctx, b, m)
	if err != nil {
		return nil, err
	}
	insert := b.InsertTime.UnixNano()
	var out []histogramRow
	for i := range points {
		c := &points[i]
		if d, ok := s.delta(c, insert); ok && d.count > 0 {
			out = append(out, histogramRow{time: c.p.time, name: c.key.name, target: c.key.target, unit: c.key.unit, sum: d.sum, sketch: d.sketch()})
		}
		s.add(c, insert)
	}
	s.last = blockPos{insert: insert, id: b.BlockID}
	l.cumulative.put(s)
	return out, nil
}

// cumulativeStateBefore returns the state of b's stream made of the
// blocks inserted in the look-back before b: the kept state when it
// ends before b, brought up to b, else a new one.
func (l *Lakehouse) cumulativeStateBefore(ctx context.Context, b catalog.Block, m *streamMeta) (*cumulativeState, error) {
	pos := blockPos{insert: b.InsertTime.UnixNano(), id: b.BlockID}
	horizon := pos.insert - int64(cumulativeLookBack)
	s := l.cumulative.take(b.StreamID)
	if s == nil || !s.last.before(pos) {
		s = newCumulativeState(b.StreamID)
	}
	from := max(horizon, s.last.insert)
	blocks, err := l.opts.Catalog.ListBlocks(ctx, catalog.BlockFilter{
		StreamID: b.StreamID, InsertedFrom: time.Unix(0, from), InsertedTo: b.InsertTime.Add(time.Microsecond),
	})
	if err != nil {
		return nil, fmt.Errorf("list the blocks before %s of stream %s: %w", b.BlockID, b.StreamID, err)
	}
	for _, prev := range blocks {
		p := blockPos{insert: prev.InsertTime.UnixNano(), id: prev.BlockID}
		if !s.last.before(p) || !p.before(pos) || p.insert < horizon {
			continue
		}
		points, err := l.otlpCumulativePoints(ctx, prev, m)
		if err != nil {
			if unreachable(ctx, err) {
				return nil, err
			}
			// As convertBlocks does: an unreadable block counts for
			// nothing, here as in its own partition.
			l.log.Debug("skipping an unreadable block of the look-back", "block_id", prev.BlockID, "err", err)
		}
		for i := range points {
			s.add(&points[i], p.insert)
		}
		s.last = p
	}
	s.expire(horizon)
	return s, nil
}
