package telemetry

import "github.com/micromegas-go/micromegas/telemetry/sink"

// The dispatcher hands blocks to encoder goroutines (dependency
// extraction, LZ4, CBOR are the expensive part) and keeps every piece of
// bookkeeping to itself: stream registration, buffer recycling, tail
// sampling. A buffer is recycled once its hand-over arrived and no block
// of it is still being encoded; both counts are dispatcher-private.

// maxEncoders bounds the encoder goroutines (one per P up to this).
const maxEncoders = 4

// job is one block to encode.
type job struct {
	h    handOff
	raw  bool // store the events uncompressed (see shouldCompress)
	body []byte
	err  error
}

// shouldCompress decides whether a block is compressed. Compression is
// what limits the events per second a process can ship (LZ4 costs far more
// than recording): when the blocks waiting for the encoders reach a
// quarter of the hand-over queue, the events are sent uncompressed (still
// an LZ4 frame, of stored blocks) rather than dropped, as long as the
// sink, which then carries about three times the bytes, has used less than
// half of its budget. Nothing else changes for the server.
func shouldCompress(backlog, capacity int, sinkQueued, sinkBudget int64) bool {
	return backlog < max(capacity/4, 1) || sinkQueued >= sinkBudget/2
}

// encodeLoop is an encoder goroutine.
func (sys *system) encodeLoop() {
	defer sys.workers.Done()
	enc := newEncoder(sys.processID, sys.start.ticks, sys.capacity[kindLog])
	for j := range sys.jobs {
		j.body, j.err = enc.encodeBlock(&j.h, j.raw)
		sys.results <- j
	}
}

// process submits a block for encoding, registering its stream first, and
// releases the range.
func (sys *system) process(h *handOff) {
	if h.nbObjects() == 0 || sys.discardBlocks {
		sys.release(h)
		return
	}
	st := h.w.stream
	if !st.registered {
		body, err := encodeStream(sys.processID, st)
		if err != nil {
			sys.encodeErrors.Add(1)
			sys.release(h)
			return
		}
		sys.sink.Enqueue(sink.KindStream, body)
		st.registered = true
	}
	h.buf.jobs++
	sys.inflight++
	j := &job{h: *h}
	if sys.uncompressed.Load() || !shouldCompress(len(sys.handoffs), cap(sys.handoffs), sys.sink.QueuedBytes(), sys.sink.MaxQueuedBytes()) {
		j.raw = true
		sys.blocksUncompressed.Add(1)
	}
	for {
		select {
		case sys.jobs <- j:
			return
		case r := <-sys.results:
			sys.complete(r)
		}
	}
}

// complete takes an encoded block: to the sink, or to tail sampling.
func (sys *system) complete(j *job) {
	sys.inflight--
	h := &j.h
	h.buf.jobs--
	if j.err != nil {
		sys.encodeErrors.Add(1)
	} else {
		sys.blocksEncoded.Add(1)
		sys.eventsEncoded.Add(uint64(h.nbObjects()))
		if h.w.stream.kind == kindCPU && sys.sampler != nil {
			sys.sampler.add(sys, h.w.stream, h.events(), j.body, h.to.at.time)
		} else {
			sys.sink.Enqueue(sink.KindBlock, j.body)
		}
	}
	sys.release(h)
}

// release ends the dispatcher's use of a range; the buffer goes back to
// its free list when it was handed over and nothing of it is in flight.
func (sys *system) release(h *handOff) {
	b := h.buf
	if !h.stolen {
		b.handedOver = true
	}
	if !b.handedOver || b.jobs > 0 {
		return
	}
	b.handedOver = false
	if k := h.w.stream.kind; len(b.data) == sys.capacity[k] {
		select {
		case sys.free[k] <- b:
		default:
		}
	}
}

// waitIdle completes every job in flight.
func (sys *system) waitIdle() {
	for sys.inflight > 0 {
		sys.complete(<-sys.results)
	}
}
