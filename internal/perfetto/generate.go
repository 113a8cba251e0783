package perfetto

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"
)

// SpanTypes selects the spans of a trace.
type SpanTypes int

// The span selections of perfetto_trace_chunks' span_types argument.
const (
	ThreadSpans SpanTypes = 1 << iota
	AsyncSpans
	BothSpans = ThreadSpans | AsyncSpans
)

// ParseSpanTypes reads "thread", "async" or "both".
func ParseSpanTypes(s string) (SpanTypes, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "thread":
		return ThreadSpans, nil
	case "async":
		return AsyncSpans, nil
	case "both", "":
		return BothSpans, nil
	}
	return 0, fmt.Errorf("span types %q: use thread, async or both", s)
}

// String returns the name ParseSpanTypes reads.
func (t SpanTypes) String() string {
	switch t {
	case ThreadSpans:
		return "thread"
	case AsyncSpans:
		return "async"
	case BothSpans:
		return "both"
	}
	return fmt.Sprintf("SpanTypes(%d)", int(t))
}

// Thread is a stream of thread spans (a "cpu" stream) of a process.
type Thread struct {
	StreamID string
	Name     string // property thread-name, else thread-id, else the stream id
	ID       string // property thread-id ("" when absent)
}

// Span is one span read from thread_spans or async_events.
type Span struct {
	Begin, End time.Time
	Depth      uint32
	Name       string
	Target     string
	File       string
	Line       uint32
}

// ErrProcessNotFound is matched by the error of a trace of an unknown process.
var ErrProcessNotFound = errors.New("process not found")

// Source gives the data of a trace. Span functions call fn in order of
// begin time (parents before children when they begin together).
type Source interface {
	// ProcessExe returns the executable name of the process, or an error
	// matching ErrProcessNotFound.
	ProcessExe(ctx context.Context, processID string) (string, error)
	// Threads lists the cpu streams of the process.
	Threads(ctx context.Context, processID string) ([]Thread, error)
	// ThreadSpans reads the spans of one thread that meet [begin, end].
	ThreadSpans(ctx context.Context, streamID string, begin, end time.Time, fn func(Span) error) error
	// AsyncSpans reads the async spans of the process that meet
	// [begin, end] and have both their begin and end events.
	AsyncSpans(ctx context.Context, processID string, begin, end time.Time, fn func(Span) error) error
}

// Options selects what a trace holds.
type Options struct {
	// Begin and End bound the spans; both are required.
	Begin, End time.Time
	Spans      SpanTypes // zero means BothSpans
}

// ProcessUUID is the uuid of a process's track: xxh64 of its id, seed 0,
// as the original. Its pid in the trace is the uuid truncated to int32.
func ProcessUUID(processID string) uint64 { return xxhash.Sum64String(processID) }

// threadUUID is the uuid of a thread's track: xxh64 of the stream id.
func threadUUID(streamID string) uint64 { return xxhash.Sum64String(streamID) }

// asyncUUID is the uuid of the async track: xxh64("async_track") seeded
// with the process uuid, as the original.
func asyncUUID(process uint64) uint64 {
	d := xxhash.NewWithSeed(process)
	d.WriteString("async_track")
	return d.Sum64()
}

// laneUUID is the uuid of lane n > 0 of a track.
func laneUUID(track uint64, n int) uint64 {
	if n == 0 {
		return track
	}
	d := xxhash.NewWithSeed(track)
	d.WriteString("lane/" + strconv.Itoa(n))
	return d.Sum64()
}

// Generate writes the trace of a process to out: a process track, one
// track per thread with its spans, one track per goroutine with its states
// when src is a GoroutineSource (under a "Goroutines" track), and an
// "Async Operations" track with the async spans.
func Generate(ctx context.Context, src Source, processID string, opts Options, out io.Writer) error {
	if opts.Begin.IsZero() || opts.End.IsZero() {
		return errors.New("perfetto: a time range is required")
	}
	if opts.End.Before(opts.Begin) {
		return fmt.Errorf("perfetto: end %v is before begin %v", opts.End, opts.Begin)
	}
	if opts.Spans == 0 {
		opts.Spans = BothSpans
	}
	exe, err := src.ProcessExe(ctx, processID)
	if err != nil {
		return fmt.Errorf("perfetto: process %s: %w", processID, err)
	}
	w := NewWriter(out)
	proc := ProcessUUID(processID)
	pid := int32(proc)
	if err := w.ProcessTrack(proc, pid, exe); err != nil {
		return err
	}
	if opts.Spans&ThreadSpans != 0 {
		threads, err := src.Threads(ctx, processID)
		if err != nil {
			return fmt.Errorf("perfetto: threads of %s: %w", processID, err)
		}
		for _, th := range threads {
			if err := writeThread(ctx, w, src, proc, pid, th, opts); err != nil {
				return err
			}
		}
		if gs, ok := src.(GoroutineSource); ok {
			if err := writeGoroutines(ctx, w, gs, proc, processID, opts); err != nil {
				return err
			}
		}
	}
	if opts.Spans&AsyncSpans != 0 {
		track := asyncUUID(proc)
		if err := w.Track(track, proc, "Async Operations"); err != nil {
			return err
		}
		l := newLanes(w, track, "Async Operations", func(n int) uint64 { return laneUUID(track, n) })
		err := src.AsyncSpans(ctx, processID, opts.Begin, opts.End, func(s Span) error { return l.add(slice(s)) })
		if err != nil {
			return fmt.Errorf("perfetto: async spans of %s: %w", processID, err)
		}
		if err := l.close(); err != nil {
			return err
		}
	}
	return w.Flush()
}

func writeThread(ctx context.Context, w *Writer, src Source, proc uint64, pid int32, th Thread, opts Options) error {
	track := threadUUID(th.StreamID)
	tid := int32(track)
	if n, err := strconv.ParseInt(th.ID, 10, 32); err == nil {
		tid = int32(n)
	}
	name := th.Name
	if name == "" {
		name = th.StreamID
	}
	if err := w.ThreadTrack(track, proc, pid, tid, name); err != nil {
		return err
	}
	l := newLanes(w, track, name, func(n int) uint64 { return laneUUID(track, n) })
	err := src.ThreadSpans(ctx, th.StreamID, opts.Begin, opts.End, func(s Span) error {
		if s.Depth == 0 {
			return nil // the root node stands for the thread itself
		}
		return l.add(slice(s))
	})
	if err != nil {
		return fmt.Errorf("perfetto: spans of thread %s: %w", th.StreamID, err)
	}
	return l.close()
}

func slice(s Span) Slice {
	return Slice{Begin: s.Begin.UnixNano(), End: s.End.UnixNano(),
		Event: Event{Name: s.Name, Category: s.Target, File: s.File, Line: s.Line}}
}
