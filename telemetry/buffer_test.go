package telemetry

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"
)

// testSystem is a system without sink or dispatcher: the test reads the
// hand-overs itself.
func testSystem(t *testing.T, capacity int) *system {
	t.Helper()
	cfg, err := withEnv(Config{LogBufferSize: capacity, MetricsBufferSize: capacity, CPUBufferSize: capacity, FlushPeriod: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return newSystem(cfg, nil, nowDual())
}

// TestStealWhileWriting checks the hand-over protocol: a writer appends
// while another goroutine takes what is committed, and rotation and steals
// interleave; every event arrives exactly once, in order, with contiguous
// block offsets and times.
func TestStealWhileWriting(t *testing.T) {
	sys := testSystem(t, 16*threadSpanSize+3) // rotates every 16 events
	const n = 200000
	sys.handoffs = make(chan handOff, n/16+2) // this test does not drop
	w := &writer{}
	w.init(sys, newStream(kindCPU, nil), sys.start)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			b := w.reserve(threadSpanSize)
			b[0] = beginThreadSpanEvent
			putU64(b[1:], uint64(i))
			putI64(b[9:], int64(i))
			w.commit(threadSpanSize)
		}
		sys.handoffs <- w.cutAll(w.cur, nowDual())
	}()
	// Blocks may reach the dispatcher out of order (a steal from the new
	// buffer can come before the hand-over of the old one); their offsets
	// and times order them.
	var blocks []handOff
	collect := func(h handOff) {
		if h.nbObjects() > 0 {
			// Keep the events: the writer goes on in the same buffer.
			ev, n := slices.Clone(h.events()), uint32(h.nbObjects())
			h.buf = &eventBuffer{data: ev, base: h.buf.base + int64(h.from.count)}
			h.from = &cutPoint{at: h.from.at}
			h.to = &cutPoint{n: len(ev), count: n, at: h.to.at}
			blocks = append(blocks, h)
		}
	}
	for finished := false; !finished; {
		select {
		case h := <-sys.handoffs:
			collect(h)
		case <-done:
			finished = true
		default:
			if h, ok := w.steal(); ok {
				collect(h)
			}
		}
	}
	for len(sys.handoffs) > 0 {
		collect(<-sys.handoffs)
	}
	slices.SortFunc(blocks, func(a, b handOff) int { return int(a.offset() - b.offset()) })
	var next uint64
	var offset int64
	lastEnd := sys.start.ticks
	for _, h := range blocks {
		if h.offset() != offset {
			t.Fatalf("block at offset %d, want %d", h.offset(), offset)
		}
		if h.from.at.ticks != lastEnd {
			t.Fatalf("block begins at %d, previous ended at %d", h.from.at.ticks, lastEnd)
		}
		lastEnd = h.to.at.ticks
		ev := h.events()
		if len(ev) != int(h.nbObjects())*threadSpanSize {
			t.Fatalf("block of %d bytes for %d events", len(ev), h.nbObjects())
		}
		for i := 0; i < len(ev); i += threadSpanSize {
			if got := binary.LittleEndian.Uint64(ev[i+1:]); got != next {
				t.Fatalf("event %d, want %d", got, next)
			}
			next++
		}
		offset += int64(h.nbObjects())
	}
	if next != n {
		t.Fatalf("received %d events, want %d", next, n)
	}
}
