package telemetry

import (
	"sync"
	"time"

	"github.com/micromegas-go/micromegas/internal/transit"
)

// maxObjectSize is headroom kept free at the end of a buffer: a block is
// full when less than this is left (spec 2.3).
const maxObjectSize = 128

// stream is a buffer of events of one kind (log, metrics, thread) that is
// cut into blocks. This one is shared by goroutines under a mutex.
type stream struct {
	id       string
	tags     []string
	objUDTs  []transit.UserDefinedType
	depUDTs  []transit.UserDefinedType
	capacity int
	onFull   func(*rawBlock)

	mu        sync.Mutex
	closed    bool
	buf       []byte
	nbObjects int32
	offset    int64 // objects in the stream before this block
	begin     dualTime
}

// dualTime is a tick count with the wall-clock time read at the same point.
type dualTime struct {
	ticks int64
	time  time.Time
}

func nowDual() dualTime { return dualTime{ticks: now(), time: time.Now().UTC()} }

// rawBlock is a closed block waiting to be encoded.
type rawBlock struct {
	stream    *stream
	buf       []byte
	nbObjects int32
	offset    int64
	begin     dualTime
	end       dualTime
}

func newStream(id string, tags []string, objUDTs, depUDTs []transit.UserDefinedType, capacity int, onFull func(*rawBlock)) *stream {
	return &stream{
		id: id, tags: tags, objUDTs: objUDTs, depUDTs: depUDTs,
		capacity: capacity, onFull: onFull,
		buf:   make([]byte, 0, capacity),
		begin: nowDual(),
	}
}

func (s *stream) writeStatic(siteID uint64, t int64) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.buf = append(s.buf, logStaticStrEvent)
	s.buf = transit.AppendU64(s.buf, siteID)
	s.buf = transit.AppendI64(s.buf, t)
	s.afterWrite()
	s.mu.Unlock()
}

func (s *stream) writeString(siteID uint64, t int64, msg string) {
	size := 8 + 8 + transit.DynStringSize(msg)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.buf = append(s.buf, logStringEventV2)
	s.buf = transit.AppendU32(s.buf, uint32(size))
	s.buf = transit.AppendU64(s.buf, siteID)
	s.buf = transit.AppendI64(s.buf, t)
	s.buf = transit.AppendDynString(s.buf, msg)
	s.afterWrite()
	s.mu.Unlock()
}

// afterWrite counts the event and hands the block over when full. Called
// with s.mu held.
func (s *stream) afterWrite() {
	s.nbObjects++
	if len(s.buf) > s.capacity-maxObjectSize {
		if b := s.takeLocked(); b != nil {
			s.onFull(b)
		}
	}
}

// take closes the current block and returns it, or nil when it is empty.
// After close is true, the stream accepts no more events.
func (s *stream) take(close bool) *rawBlock {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.takeLocked()
	if close {
		s.closed = true
	}
	return b
}

func (s *stream) takeLocked() *rawBlock {
	if s.nbObjects == 0 {
		return nil
	}
	b := &rawBlock{stream: s, buf: s.buf, nbObjects: s.nbObjects, offset: s.offset, begin: s.begin, end: nowDual()}
	s.offset += int64(s.nbObjects)
	s.nbObjects = 0
	s.buf = make([]byte, 0, s.capacity)
	s.begin = b.end
	return b
}
