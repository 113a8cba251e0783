package telemetry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/trace"
	"time"

	"github.com/google/uuid"
	"github.com/micromegas-go/micromegas/internal/transit"
	"github.com/micromegas-go/micromegas/telemetry/sink"
)

// FlightRecorder keeps the Go execution trace of the last Window in
// memory (runtime/trace.FlightRecorder) and sends a snapshot of it when a
// tail-sampling trigger fires: a log at the trigger level (error by
// default, TailSampling.TriggerLevel when tail sampling is on), a span
// slower than TailSampling.SlowSpan, KeepRecent, or a panic caught by
// FlushOnPanic. A snapshot shows what every goroutine did in the seconds
// before: when it ran, waited to run, or blocked, and why.
//
// Snapshots are sent as blocks of a stream of their own (tag "go_trace"),
// one snapshot per block, and read on the server through
// view_instance('goroutine_states', process_id) and the Perfetto export.
// They are bounded (MaxBytes) and rate-limited (MinInterval); both kinds
// of loss are counted in Stats.
type FlightRecorder struct {
	// Window is how much recent execution the recorder keeps (its
	// MinAge; MICROMEGAS_FLIGHT_RECORDER; default 10 s).
	Window time.Duration
	// MaxBytes bounds the recorder's memory (a hint to the runtime) and
	// the size of a snapshot: a larger snapshot is dropped and counted
	// (default 16 MiB).
	MaxBytes int64
	// MinInterval is the least time between two snapshots; triggers in
	// between are counted and ignored (default: Window, so that
	// snapshots do not overlap).
	MinInterval time.Duration
}

// Defaults of FlightRecorder.
const (
	DefaultFlightRecorderWindow   = 10 * time.Second
	DefaultFlightRecorderMaxBytes = 16 << 20
)

func (fr FlightRecorder) withDefaults() FlightRecorder {
	if fr.Window <= 0 {
		fr.Window = DefaultFlightRecorderWindow
	}
	if fr.MaxBytes <= 0 {
		fr.MaxBytes = DefaultFlightRecorderMaxBytes
	}
	if fr.MinInterval <= 0 {
		fr.MinInterval = fr.Window
	}
	return fr
}

// The reasons a snapshot is taken: its trigger member.
const (
	TriggerLog        = "log"
	TriggerSlowSpan   = "slow_span"
	TriggerKeepRecent = "keep_recent"
	TriggerPanic      = "panic"
)

// snapshotRequest asks the recorder for a snapshot; done, when not nil,
// is closed once the snapshot is queued in the sink (or skipped).
type snapshotRequest struct {
	reason string
	done   chan struct{}
}

// recorder runs the flight recorder and sends its snapshots.
type recorder struct {
	cfg    FlightRecorder
	fr     *trace.FlightRecorder
	reqs   chan snapshotRequest
	stream *stream
	last   time.Time // when the last snapshot was taken

	buf bytes.Buffer
	obj []byte
	lz  lz4Compressor
	z   []byte
	n   int64 // snapshots sent so far: the stream's object offset
}

// errSnapshotTooLarge stops WriteTo past MaxBytes.
var errSnapshotTooLarge = errors.New("flight recorder snapshot exceeds MaxBytes")

// startRecorder starts the runtime's flight recorder. It fails when
// another flight recorder is running in the process (the runtime allows
// one).
func startRecorder(cfg FlightRecorder) (*recorder, error) {
	fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: cfg.Window, MaxBytes: uint64(cfg.MaxBytes)})
	if err := fr.Start(); err != nil {
		return nil, fmt.Errorf("telemetry: start the flight recorder (leave Config.FlightRecorder and %s unset when the program runs its own): %w", EnvFlightRecorder, err)
	}
	return &recorder{
		cfg:    cfg,
		fr:     fr,
		reqs:   make(chan snapshotRequest, 1),
		stream: newStream(kindGoTrace, map[string]string{"window": cfg.Window.String()}),
	}, nil
}

// fire asks for a snapshot without waiting; a request already pending
// stands for this one.
func (r *recorder) fire(reason string) {
	select {
	case r.reqs <- snapshotRequest{reason: reason}:
	default:
	}
}

// snapshotNow asks for a snapshot and waits until it is queued for
// sending, or ctx ends (FlushOnPanic).
func (r *recorder) snapshotNow(ctx context.Context, reason string, stop <-chan struct{}) {
	done := make(chan struct{})
	select {
	case r.reqs <- snapshotRequest{reason: reason, done: done}:
	case <-stop:
		return
	case <-ctx.Done():
		return
	}
	select {
	case <-done:
	case <-stop:
	case <-ctx.Done():
	}
}

// runRecorder takes the snapshots asked for until stop, then stops the
// flight recorder.
func (sys *system) runRecorder() {
	defer sys.helpers.Done()
	r := sys.recorder
	defer r.fr.Stop()
	for {
		select {
		case req := <-r.reqs:
			sys.snapshot(req.reason)
			if req.done != nil {
				close(req.done)
			}
		case <-sys.stop:
			return
		}
	}
}

// snapshot writes the recorder's window and queues it as a block, unless
// the last snapshot is more recent than MinInterval.
func (sys *system) snapshot(reason string) {
	r := sys.recorder
	now := nowDual()
	if !r.last.IsZero() && now.time.Sub(r.last) < r.cfg.MinInterval {
		sys.traceSkipped.Add(1)
		return
	}
	r.last = now.time
	r.buf.Reset()
	if _, err := r.fr.WriteTo(&limitedWriter{w: &r.buf, left: r.cfg.MaxBytes}); err != nil {
		sys.traceDropped.Add(1)
		return
	}
	body, err := r.encode(sys, reason, now)
	if err != nil {
		sys.traceDropped.Add(1)
		return
	}
	if !r.stream.registered {
		meta, err := encodeStream(sys.processID, r.stream)
		if err != nil {
			sys.traceDropped.Add(1)
			return
		}
		sys.sink.Enqueue(sink.KindStream, meta)
		r.stream.registered = true
	}
	if !sys.sink.Enqueue(sink.KindBlock, body) {
		sys.traceDropped.Add(1)
		return
	}
	r.n++
	sys.traceSnapshots.Add(1)
	sys.traceBytes.Add(uint64(r.buf.Len()))
}

// encode returns the insert_block body of the snapshot in r.buf: one
// GoExecutionTrace object. The block covers the window before now.
func (r *recorder) encode(sys *system, reason string, now dualTime) ([]byte, error) {
	obj := append(r.obj[:0], 0) // type index 0
	size := 8 + transit.DynStringSize(reason) + r.buf.Len()
	obj = transit.AppendU32(obj, uint32(size))
	obj = transit.AppendI64(obj, now.ticks-sys.start.ticks)
	obj = transit.AppendDynString(obj, reason)
	obj = append(obj, r.buf.Bytes()...)
	r.obj = obj
	deps := r.lz.appendFrame(nil, nil, false)
	r.z = r.lz.appendFrame(r.z[:0], obj, false)
	begin := now.time.Add(-r.cfg.Window)
	beginTicks := now.ticks - int64(r.cfg.Window.Seconds()*float64(frequency()))
	if begin.Before(sys.start.time) {
		begin, beginTicks = sys.start.time, sys.start.ticks
	}
	return transit.Encode(transit.Block{
		BlockID:      transit.UUID(uuid.NewString()),
		StreamID:     transit.UUID(r.stream.id),
		ProcessID:    transit.UUID(sys.processID),
		BeginTime:    transit.Time{Time: begin},
		BeginTicks:   beginTicks - sys.start.ticks,
		EndTime:      transit.Time{Time: now.time},
		EndTicks:     now.ticks - sys.start.ticks,
		Payload:      transit.BlockPayload{Dependencies: deps, Objects: r.z},
		ObjectOffset: r.n,
		NbObjects:    1,
	})
}

// limitedWriter fails once more than left bytes are written.
type limitedWriter struct {
	w    *bytes.Buffer
	left int64
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.left {
		return 0, errSnapshotTooLarge
	}
	l.left -= int64(len(p))
	return l.w.Write(p)
}
