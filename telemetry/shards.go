package telemetry

import "sync"

// shard holds the per-P writers: one log stream, one metrics stream and
// one cpu stream (async spans) for each P, each a real stream with its own
// id. An event is written by the goroutine pinned to the P (see
// acquireShard), so no lock is taken.
type shard struct {
	mu       sync.Mutex // used by race builds and by the overflow shard
	writers  [nbKinds]writer
	nextSpan uint64 // async span ids of this P: [nextSpan, endSpan)
	endSpan  uint64
	_        [64]byte // keep shards on separate cache lines
}

// newAsyncSpanID returns a process-unique async span id; s is acquired.
func (s *shard) newAsyncSpanID() uint64 {
	if s.nextSpan == s.endSpan {
		end := asyncSpanIDs.Add(spanIDBatch)
		s.nextSpan, s.endSpan = end-spanIDBatch+1, end+1
	}
	id := s.nextSpan
	s.nextSpan++
	return id
}
