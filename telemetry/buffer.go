package telemetry

import (
	"encoding/binary"
	"math"
	"sync/atomic"
	"unsafe"
)

// maxObjectSize is headroom kept when a long message is truncated to fit
// a buffer (spec 2.3 reserves 128 bytes at the end of a block).
const maxObjectSize = 128

// maxBufferSize bounds a block buffer: lengths are published in 32 bits.
const maxBufferSize = 1 << 30

// eventBuffer holds the events of one stream between two hand-overs. One
// goroutine writes it at a time (the owner of its P, or of its track); the
// dispatcher may concurrently take the part that is already written.
//
// The writer appends at data[n:], then publishes the new length and event
// count with one atomic store (committed). Bytes below the committed length
// never change again, so the dispatcher can copy them while the writer
// appends beyond. Who sends which range is decided by the cut: a pointer to
// the last point handed over, moved by the dispatcher with a
// compare-and-swap and by the writer with a swap when the buffer is full.
type eventBuffer struct {
	_ [64]byte // the fields written per event get a cache line of their own

	data      []byte        // fixed length; written at [n:] by the writer only
	n         int           // writer-private: bytes written
	count     uint32        // writer-private: events written
	committed atomic.Uint64 // n<<32 | count, after each event
	base      int64         // events of the stream before this buffer
	first     *cutPoint     // the cut set by reset: still there when nothing was stolen

	cut atomic.Pointer[cutPoint] // end of the last range handed over

	// Dispatcher-private: blocks of this buffer being encoded, and whether
	// the writer handed it over (then it is recycled when jobs is 0).
	jobs       int
	handedOver bool

	_ [40]byte
}

// On 64-bit platforms an eventBuffer takes 192 bytes, a size class whose
// objects start on cache lines, so that the buffers of two Ps never share
// one.
var (
	_ [192 - unsafe.Sizeof(eventBuffer{})]byte
	_ [unsafe.Sizeof(eventBuffer{}) - 192*unsafe.Sizeof(uintptr(0))/8]byte
)

// cutPoint is a position in a buffer with the time it was cut: the end of
// one block and the beginning of the next.
type cutPoint struct {
	n     int
	count uint32
	at    dualTime
}

func newEventBuffer(capacity int) *eventBuffer {
	return &eventBuffer{data: make([]byte, capacity)}
}

// reset prepares a recycled buffer for a stream whose next event has index
// base, its next block beginning at begin.
func (b *eventBuffer) reset(base int64, begin dualTime) {
	b.n, b.count, b.base = 0, 0, base
	b.committed.Store(0)
	b.first = &cutPoint{at: begin}
	b.cut.Store(b.first)
}

func packCommitted(n int, count uint32) uint64 { return uint64(n)<<32 | uint64(count) }

func unpackCommitted(c uint64) (n int, count uint32) { return int(c >> 32), uint32(c) }

// The little-endian writers of the hot path; the compiler turns each into
// one store.
func putU32(b []byte, v uint32) { binary.LittleEndian.PutUint32(b, v) }
func putU64(b []byte, v uint64) { binary.LittleEndian.PutUint64(b, v) }
func putI64(b []byte, v int64)  { binary.LittleEndian.PutUint64(b, uint64(v)) }

func f64bits(v float64) uint64 { return math.Float64bits(v) }
