package telemetry

import (
	"sync/atomic"

	"github.com/google/uuid"
)

// stream is the identity of one stream: a per-P stream of one kind, or a
// track. It is sent to the server (insert_stream) before its first block.
type stream struct {
	id         string
	kind       streamKind
	properties map[string]string

	// Dispatcher-private.
	registered bool
	open       []int64 // begin ticks of the open thread spans (tail sampling)
}

func newStream(kind streamKind, props map[string]string) *stream {
	if props == nil {
		props = map[string]string{}
	}
	return &stream{id: uuid.NewString(), kind: kind, properties: props}
}

// writer appends the events of one stream into block buffers and hands
// full buffers to the dispatcher. It has one writer at a time (the
// goroutine pinned to its P, or the owner of its track); the dispatcher
// takes what is committed with steal, concurrently.
type writer struct {
	stream *stream
	sys    *system
	cur    *eventBuffer                // writer-private
	spare  *eventBuffer                // writer-private: a dropped buffer to reuse
	pub    atomic.Pointer[eventBuffer] // cur, for the dispatcher
}

// init starts w with an empty buffer: the first event allocates a real
// one, so streams that are never used cost nothing.
func (w *writer) init(sys *system, st *stream, begin dualTime) {
	w.stream, w.sys = st, sys
	b := &eventBuffer{}
	b.cut.Store(&cutPoint{at: begin})
	w.cur = b
	w.pub.Store(b)
}

// reserve returns room for an event of size bytes, handing the current
// buffer over first when it has no room left. size must not exceed the
// capacity of the stream's buffers.
func (w *writer) reserve(size int) []byte {
	b := w.cur
	if b.n+size > len(b.data) {
		w.rotate()
		b = w.cur
	}
	return b.data[b.n : b.n+size : b.n+size]
}

// commit publishes the event of size bytes written into the last reserve.
func (w *writer) commit(size int) {
	b := w.cur
	b.n += size
	b.count++
	b.committed.Store(packCommitted(b.n, b.count))
}

// commitN publishes count events of size bytes in all, written into the
// last reserve.
func (w *writer) commitN(size int, count uint32) {
	b := w.cur
	b.n += size
	b.count += count
	b.committed.Store(packCommitted(b.n, b.count))
}

// rotate hands the current buffer over and continues in a fresh one.
//
// When the dispatcher is behind, the hand-over is dropped; if the
// dispatcher never took part of the old buffer, nobody else can read it
// any more and it becomes the writer's spare, so that a starved dispatcher
// does not make every rotation allocate.
func (w *writer) rotate() {
	old := w.cur
	h := w.cutAll(old, nowDual())
	nb := w.spare
	w.spare = nil
	if nb == nil {
		nb = w.sys.takeBuffer(w.stream.kind)
	}
	nb.reset(old.base+int64(old.count), h.to.at)
	w.cur = nb
	w.pub.Store(nb) // before the hand-over: the dispatcher may recycle old
	if !w.sys.handOver(h) && h.from == old.first && len(old.data) > 0 {
		w.spare = old
	}
}

// cutAll marks everything written in b as handed over and returns the
// range not yet taken by the dispatcher. Blocks of a stream are contiguous
// in time (the analytics join the call trees of contiguous blocks): the
// range ends at the time of the last cut when it is empty or when a steal
// cut it later than at.
func (w *writer) cutAll(b *eventBuffer, at dualTime) handOff {
	full := &cutPoint{n: b.n, count: b.count, at: at}
	prev := b.cut.Swap(full)
	to := full
	if b.n == prev.n || prev.at.ticks > at.ticks {
		to = &cutPoint{n: b.n, count: b.count, at: prev.at}
	}
	return handOff{w: w, buf: b, from: prev, to: to}
}

// closeWriter hands over what is left; the writer must not be used
// afterwards. Only the writer calls it.
func (w *writer) closeWriter() {
	h := w.cutAll(w.cur, nowDual())
	dead := &eventBuffer{}
	dead.cut.Store(h.to)
	w.cur = dead
	w.pub.Store(dead)
	w.sys.handOver(h)
}

// steal takes the events committed and not handed over yet, for a
// flush. Any goroutine may call it (the dispatcher, or a track's owner):
// it reads only what is published. It returns false when there is nothing
// to take or the writer is handing the buffer over itself.
func (w *writer) steal() (handOff, bool) {
	b := w.pub.Load()
	n, count := unpackCommitted(b.committed.Load())
	prev := b.cut.Load()
	if n <= prev.n {
		return handOff{}, false
	}
	cp := &cutPoint{n: n, count: count, at: nowDual()}
	if !b.cut.CompareAndSwap(prev, cp) {
		return handOff{}, false
	}
	return handOff{w: w, buf: b, from: prev, to: cp, stolen: true}, true
}

// handOff is a range of a buffer given to the dispatcher: the events
// between two cuts, which form one block.
type handOff struct {
	w        *writer
	buf      *eventBuffer
	from, to *cutPoint
	stolen   bool // taken by the dispatcher: the writer still owns buf
}

// events returns the bytes of the block.
func (h *handOff) events() []byte { return h.buf.data[h.from.n:h.to.n] }

// nbObjects returns the number of events in the block.
func (h *handOff) nbObjects() int32 { return int32(h.to.count - h.from.count) }

// offset returns the index in the stream of the block's first event.
func (h *handOff) offset() int64 { return h.buf.base + int64(h.from.count) }
