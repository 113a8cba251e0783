package telemetry

import (
	"maps"
	"strconv"
	"sync/atomic"
)

// Span is the static description of a span: a name, and the package,
// file and line that declare it. Declare spans once, as package-level
// variables, and record them on a Track (thread spans) or as async spans.
//
//	var spanParse = telemetry.NewSpan("parse")
type Span struct {
	id     uint64
	name   string
	target string
	file   string
	line   uint32

	nameID, targetID, moduleID, fileID uint64
}

// NewSpan registers a span. The caller's package becomes its target.
func NewSpan(name string) *Span {
	module, file, line := caller(1)
	return NewSpanTarget(module, name, file, line)
}

// NewSpanTarget registers a span with an explicit target, file and line.
func NewSpanTarget(target, name, file string, line uint32) *Span {
	s := &Span{name: name, target: target, file: file, line: line}
	s.nameID = reg.internString(name)
	s.targetID = reg.internString(target)
	s.moduleID = s.targetID
	s.fileID = reg.internString(file)
	s.id = reg.add(s)
	return s
}

// Name returns the span's name.
func (s *Span) Name() string { return s.name }

// Track is a stream of strictly nested spans owned by one goroutine, the
// Go counterpart of the original's per-thread stream: it becomes the
// thread_spans view of its stream. A goroutine that wants call-tree spans
// creates a track once, begins and ends spans on it, and closes it when it
// is done. A Track must only be used by one goroutine at a time; Begin and
// End take no lock and do not allocate.
//
//	track := telemetry.NewTrack("worker-1", nil)
//	defer track.Close()
//	track.Begin(spanParse)
//	...
//	track.End(spanParse)
//
// Spans are recorded only when CPU tracing is enabled (Config.EnableCPUTracing
// or MICROMEGAS_ENABLE_CPU_TRACING=true) and telemetry is initialized when
// the track is created; otherwise the track records nothing.
type Track struct {
	w    *writer
	name string
}

var trackIDs atomic.Uint64

// NewTrack creates a track named name (its stream property thread-name;
// thread-id is a number unique in the process). props are added to the
// stream's properties.
func NewTrack(name string, props map[string]string) *Track {
	t := &Track{name: name}
	sys := active.Load()
	if sys == nil || !sys.cpuTracing {
		return t
	}
	p := maps.Clone(props)
	if p == nil {
		p = map[string]string{}
	}
	p["thread-name"] = name
	p["thread-id"] = strconv.FormatUint(trackIDs.Add(1), 10)
	w := &writer{}
	w.init(sys, newStream(kindCPU, p), nowDual())
	sys.addTrack(w)
	t.w = w
	return t
}

// Name returns the track's name.
func (t *Track) Name() string { return t.name }

// StreamID returns the id of the track's stream, the argument of
// view_instance('thread_spans', stream_id); "" when the track records
// nothing.
func (t *Track) StreamID() string {
	if t.w == nil {
		return ""
	}
	return t.w.stream.id
}

// Enabled reports whether the track records spans.
func (t *Track) Enabled() bool { return t.w != nil }

// Begin records the beginning of span s. Every Begin must be matched by an
// End of the same span, innermost first.
func (t *Track) Begin(s *Span) {
	if w := t.w; w != nil {
		w.spanEvent(beginThreadSpanEvent, s.id, now())
	}
}

// End records the end of span s.
func (t *Track) End(s *Span) {
	if w := t.w; w != nil {
		w.spanEvent(endThreadSpanEvent, s.id, now())
	}
}

func (w *writer) spanEvent(typ byte, id uint64, ts int64) {
	b := w.reserve(threadSpanSize)
	b[0] = typ
	putU64(b[1:], id)
	putI64(b[9:], ts)
	w.commit(threadSpanSize)
}

// Flush hands the track's recorded spans to the sender now rather than at
// the next periodic flush.
func (t *Track) Flush() {
	if w := t.w; w != nil {
		if h, ok := w.steal(); ok {
			w.sys.handOver(h)
		}
	}
}

// Close sends what the track recorded and stops it; later calls record
// nothing. Close the track before its goroutine exits.
func (t *Track) Close() {
	w := t.w
	if w == nil {
		return
	}
	t.w = nil
	w.sys.removeTrack(w)
	w.closeWriter()
}
