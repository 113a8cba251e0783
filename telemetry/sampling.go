package telemetry

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/micromegas-go/micromegas/telemetry/sink"
)

// TailSampling keeps the cost of spans low: span (cpu) blocks are held in
// memory for a window and sent only when something makes them worth
// keeping; otherwise they are discarded when they leave the window. Logs
// and metrics are always sent.
//
// A trigger sends every held block and keeps sending span blocks that end
// within Window after it. Triggers are: a log at TriggerLevel or more
// severe, a span that lasts longer than SlowSpan, a call to KeepRecent, and
// chance: a block leaving the window without a trigger is still sent with
// probability Probability. Discarded blocks are counted in
// Stats.SampledOutBlocks, apart from blocks dropped under backpressure.
//
// Slow spans are detected when their block is encoded, so Window should be
// longer than the flush period for a slow span to keep the blocks before it.
type TailSampling struct {
	// Window is how long blocks are held (default 2 minutes).
	Window time.Duration
	// MaxBytes bounds the memory of held blocks, encoded (default 16 MiB);
	// the oldest leave the window first.
	MaxBytes int64
	// TriggerLevel is the least severe log level that triggers (default
	// LevelError). DisableLogTrigger turns log triggers off.
	TriggerLevel      Level
	DisableLogTrigger bool
	// SlowSpan: a span (thread or async) lasting longer triggers; zero
	// disables the threshold.
	SlowSpan time.Duration
	// Probability in [0, 1] that a block leaving the window untriggered is
	// sent anyway.
	Probability float64
}

func (ts TailSampling) withDefaults() TailSampling {
	if ts.Window <= 0 {
		ts.Window = 2 * time.Minute
	}
	if ts.MaxBytes <= 0 {
		ts.MaxBytes = 16 << 20
	}
	if ts.TriggerLevel == 0 {
		ts.TriggerLevel = DefaultTriggerLevel
	}
	if ts.DisableLogTrigger {
		ts.TriggerLevel = LevelOff
	}
	return ts
}

func (ts TailSampling) validate() error {
	if ts.Probability < 0 || ts.Probability > 1 {
		return errors.New("telemetry: TailSampling.Probability must be between 0 and 1")
	}
	return nil
}

// DefaultTriggerLevel is the least severe log level that triggers tail
// sampling and the flight recorder by default.
const DefaultTriggerLevel = LevelError

// sampler is the tail-sampling state of the dispatcher.
type sampler struct {
	cfg       TailSampling
	slowTicks int64
	held      []heldBlock // oldest first
	heldBytes int64
	keepUntil time.Time
	async     map[uint64]int64 // open async spans: id → begin ticks
	rng       *rand.Rand
}

type heldBlock struct {
	body []byte
	end  time.Time
}

// maxOpenAsync bounds the async spans the sampler tracks for SlowSpan.
const maxOpenAsync = 1 << 16

// maxOpenThread bounds the nesting a track's open-span stack follows.
const maxOpenThread = 1024

func newSampler(cfg TailSampling, freq int64) *sampler {
	return &sampler{
		cfg:       cfg,
		slowTicks: int64(cfg.SlowSpan.Seconds() * float64(freq)),
		async:     map[uint64]int64{},
		rng:       rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
	}
}

// add takes an encoded span block: sent at once inside a kept period or
// when it holds a slow span, else held.
func (s *sampler) add(sys *system, st *stream, objs, body []byte, end time.Time) {
	slow := s.scan(st, objs)
	if slow {
		s.trigger(sys, end)
		if sys.recorder != nil {
			sys.recorder.fire(TriggerSlowSpan)
		}
	}
	if !end.After(s.keepUntil) {
		sys.sink.Enqueue(sink.KindBlock, body)
		return
	}
	s.held = append(s.held, heldBlock{body: body, end: end})
	s.heldBytes += int64(len(body))
	s.evict(sys, time.Now())
}

// trigger sends what is held and keeps sending for a window.
func (s *sampler) trigger(sys *system, at time.Time) {
	for _, h := range s.held {
		sys.sink.Enqueue(sink.KindBlock, h.body)
	}
	clear(s.held)
	s.held = s.held[:0]
	s.heldBytes = 0
	if until := at.Add(s.cfg.Window); until.After(s.keepUntil) {
		s.keepUntil = until
	}
}

// evict lets the blocks that left the window go: discarded, or sent with
// probability Probability.
func (s *sampler) evict(sys *system, now time.Time) {
	horizon := now.Add(-s.cfg.Window)
	i := 0
	for ; i < len(s.held); i++ {
		h := s.held[i]
		if !h.end.Before(horizon) && s.heldBytes <= s.cfg.MaxBytes {
			break
		}
		s.heldBytes -= int64(len(h.body))
		s.discard(sys, h.body)
	}
	if i > 0 {
		n := copy(s.held, s.held[i:])
		clear(s.held[n:])
		s.held = s.held[:n]
	}
}

func (s *sampler) discard(sys *system, body []byte) {
	if s.cfg.Probability > 0 && s.rng.Float64() < s.cfg.Probability {
		sys.sink.Enqueue(sink.KindBlock, body)
		return
	}
	sys.sampledOutBlocks.Add(1)
	sys.sampledOutBytes.Add(uint64(len(body)))
}

// drop discards everything held (at shutdown).
func (s *sampler) drop(sys *system) {
	for _, h := range s.held {
		s.discard(sys, h.body)
	}
	s.held, s.heldBytes = nil, 0
}

// scan follows the spans of a cpu block and reports whether one lasted
// longer than SlowSpan.
func (s *sampler) scan(st *stream, objs []byte) bool {
	if s.slowTicks <= 0 {
		return false
	}
	le := binary.LittleEndian
	slow := false
	for i := 0; i < len(objs); {
		switch objs[i] {
		case beginThreadSpanEvent:
			if len(st.open) < maxOpenThread {
				st.open = append(st.open, int64(le.Uint64(objs[i+9:])))
			}
			i += threadSpanSize
		case endThreadSpanEvent:
			if n := len(st.open); n > 0 {
				if int64(le.Uint64(objs[i+9:]))-st.open[n-1] > s.slowTicks {
					slow = true
				}
				st.open = st.open[:n-1]
			}
			i += threadSpanSize
		case beginAsyncSpanEvent:
			if len(s.async) >= maxOpenAsync {
				clear(s.async)
			}
			s.async[le.Uint64(objs[i+9:])] = int64(le.Uint64(objs[i+25:]))
			i += asyncSpanSize
		case endAsyncSpanEvent:
			id := le.Uint64(objs[i+9:])
			if begin, ok := s.async[id]; ok {
				if int64(le.Uint64(objs[i+25:]))-begin > s.slowTicks {
					slow = true
				}
				delete(s.async, id)
			}
			i += asyncSpanSize
		case asyncSpanTraceEvent:
			i += asyncTraceSize
		case asyncSpanStatusEvent:
			i += asyncStatusSize
		default:
			return slow
		}
	}
	return slow
}
