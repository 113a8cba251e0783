package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log"
	"maps"
	"os"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/micromegas-go/micromegas/telemetry/sink"
)

// active is the running telemetry system, the package's one singleton:
// package-level sites, metrics and spans record into it.
var active atomic.Pointer[system]

// Guard is returned by Init; Shutdown flushes and stops telemetry.
type Guard struct {
	sys  *system
	once sync.Once
	err  error
}

// ErrAlreadyInitialized is returned by a second Init before Shutdown.
var ErrAlreadyInitialized = errors.New("telemetry: already initialized")

// Init starts telemetry. Fields of cfg left zero are read from the
// environment (see Config). With no URL it returns a guard whose methods
// do nothing, and every event is a cheap no-op.
func Init(cfg Config) (*Guard, error) {
	cfg, err := withEnv(cfg)
	if err != nil {
		return nil, err
	}
	initClock()
	configureLevels(cfg.MaxLevel, cfg.TargetLevels)
	if cfg.URL == "" {
		return &Guard{}, nil
	}
	snk, err := sink.New(sink.Options{URL: cfg.URL, MaxQueuedBytes: cfg.MaxQueuedBytes, Decorate: cfg.Decorate,
		Client: cfg.Client, OnError: reportAuthErrorOnce()})
	if err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	start := nowDual()
	sys := newSystem(cfg, snk, start)
	if !active.CompareAndSwap(nil, sys) {
		snk.Close(context.Background())
		return nil, ErrAlreadyInitialized
	}
	if cfg.FlightRecorder != nil {
		if sys.recorder, err = startRecorder(*cfg.FlightRecorder); err != nil {
			active.CompareAndSwap(sys, nil)
			snk.Close(context.Background())
			return nil, err
		}
	}
	props := defaultProcessProperties()
	maps.Copy(props, parseProperties(os.Getenv(EnvProcessProperties)))
	maps.Copy(props, cfg.ProcessProperties)
	info := newProcessInfo(sys.processID, start, props)
	if _, err := uuid.Parse(string(info.ParentProcessID)); err != nil {
		info.ParentProcessID = ""
	}
	body, err := encodeProcess(info)
	if err != nil {
		active.CompareAndSwap(sys, nil)
		snk.Close(context.Background())
		return nil, err
	}
	snk.Enqueue(sink.KindProcess, body)
	// Children of this process name it as their parent.
	os.Setenv(EnvParentProcess, sys.processID)
	go sys.run()
	if cfg.RuntimeMetricsPeriod > 0 {
		sys.helpers.Add(1)
		go sys.runRuntimeMetrics(cfg.RuntimeMetricsPeriod)
	}
	if sys.recorder != nil {
		sys.helpers.Add(1)
		go sys.runRecorder()
	}
	return &Guard{sys: sys}, nil
}

// ProcessID returns the id of this process in the telemetry, or "" when
// telemetry is disabled.
func (g *Guard) ProcessID() string {
	if g == nil || g.sys == nil {
		return ""
	}
	return g.sys.processID
}

// Flush sends every event recorded so far and waits for the server to
// acknowledge them, or for ctx to end. Events of tracks are included.
func (g *Guard) Flush(ctx context.Context) error {
	if g == nil || g.sys == nil {
		return nil
	}
	done := make(chan struct{})
	select {
	case g.sys.flushReq <- done:
	case <-g.sys.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	return g.sys.sink.Flush(ctx)
}

// KeepRecent asks tail sampling to send the span blocks it holds and those
// of the next window (see TailSampling), and the flight recorder to send
// a snapshot (see FlightRecorder). Without either it does nothing.
func (g *Guard) KeepRecent() {
	if g != nil && g.sys != nil {
		g.sys.keepRecent(TriggerKeepRecent)
	}
}

// KeepRecent is Guard.KeepRecent on the running telemetry.
func KeepRecent() {
	if sys := active.Load(); sys != nil {
		sys.keepRecent(TriggerKeepRecent)
	}
}

// Shutdown flushes every event recorded so far, waits for them to be sent
// until ctx ends, and stops telemetry; later events are discarded. It is
// idempotent and safe on a nil or disabled guard.
func (g *Guard) Shutdown(ctx context.Context) error {
	if g == nil || g.sys == nil {
		return nil
	}
	g.once.Do(func() {
		sys := g.sys
		active.CompareAndSwap(sys, nil)
		close(sys.stop)
		sys.helpers.Wait()
		<-sys.done
		sys.stopped.Store(true)
		g.err = sys.sink.Close(ctx)
	})
	return g.err
}

// reportAuthErrorOnce returns the sink's error hook: the first message
// refused for its credentials is reported in the program's own log
// (the standard logger); later ones are only counted (Stats).
func reportAuthErrorOnce() func(sink.Kind, error) {
	var once sync.Once
	return func(_ sink.Kind, err error) {
		if errors.Is(err, sink.ErrUnauthorized) {
			once.Do(func() {
				log.Printf("micromegas telemetry: %v; check MICROMEGAS_INGESTION_API_KEY or the MICROMEGAS_OIDC_* client credentials (further refusals are only counted)", err)
			})
		}
	}
}
