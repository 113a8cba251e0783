// Package telemetry records logs, metrics and spans from a Go program and
// sends them to a Micromegas ingestion service.
//
// Call Init once at start and Shutdown on the returned guard before exit:
//
//	guard, err := telemetry.Init(telemetry.Config{}) // reads MICROMEGAS_TELEMETRY_URL
//	if err != nil { ... }
//	defer guard.Shutdown(context.Background())
//
// Events are appended to in-memory blocks on the calling goroutine; a
// background goroutine encodes full blocks in the Micromegas transit format
// and an HTTP sink sends them. The program never blocks on the network:
// when the sink falls behind, whole blocks are dropped and counted (Stats).
//
// Without Init, or without a telemetry URL, every call is a cheap no-op.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/micromegas-go/micromegas/telemetry/sink"
)

// Config configures Init. Zero fields take their value from the
// environment, then from the defaults.
type Config struct {
	// URL of the ingestion service (MICROMEGAS_TELEMETRY_URL). Empty:
	// telemetry is disabled and every call is a no-op.
	URL string
	// MaxLevel is the most verbose level recorded (MICROMEGAS_MAX_LEVEL,
	// default LevelInfo). Change it at run time with SetMaxLevel.
	MaxLevel Level
	// FlushPeriod is how often partial blocks are sent
	// (MICROMEGAS_FLUSH_PERIOD in seconds, default 60 s).
	FlushPeriod time.Duration
	// LogBufferSize is the size of a log block in bytes (default 10 MiB).
	LogBufferSize int
	// ProcessProperties are added to the process description, after those
	// of MICROMEGAS_PROCESS_PROPERTIES ("k=v,k=v").
	ProcessProperties map[string]string
	// MaxQueuedBytes bounds the encoded blocks waiting to be sent
	// (default 64 MiB).
	MaxQueuedBytes int64
	// Decorate is applied to every HTTP request (authentication).
	Decorate func(*http.Request) error
}

// Defaults.
const (
	DefaultFlushPeriod   = 60 * time.Second
	DefaultLogBufferSize = 10 << 20
	DefaultMaxLevel      = LevelInfo
)

// maxLevel is the most verbose level recorded.
var maxLevel atomic.Uint32

func init() { maxLevel.Store(uint32(DefaultMaxLevel)) }

// SetMaxLevel changes the most verbose level recorded.
func SetMaxLevel(l Level) { maxLevel.Store(uint32(l)) }

// MaxLevel returns the most verbose level recorded.
func MaxLevel() Level { return Level(maxLevel.Load()) }

// active is the running telemetry system, the package's one singleton.
var active atomic.Pointer[system]

// system is an initialized telemetry pipeline.
type system struct {
	processID  string
	startTicks int64
	logs       *stream
	sink       *sink.Sink
	blocks     chan *rawBlock
	flushReq   chan chan struct{}
	stop       chan struct{}
	done       chan struct{}
	encodeErrs atomic.Uint64
	lost       atomic.Uint64 // blocks dropped before the sink (dispatcher busy)
}

// Guard is returned by Init; Shutdown flushes and stops telemetry.
type Guard struct {
	sys  *system
	once sync.Once
	err  error
}

// ErrAlreadyInitialized is returned by a second Init before Shutdown.
var ErrAlreadyInitialized = errors.New("telemetry: already initialized")

// Init starts telemetry. It reads the environment for fields left zero.
// With no URL it returns a guard whose Shutdown does nothing.
func Init(cfg Config) (*Guard, error) {
	cfg = withEnv(cfg)
	SetMaxLevel(cfg.MaxLevel)
	if cfg.URL == "" {
		return &Guard{}, nil
	}
	snk, err := sink.New(sink.Options{URL: cfg.URL, MaxQueuedBytes: cfg.MaxQueuedBytes, Decorate: cfg.Decorate})
	if err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	start := nowDual()
	sys := &system{
		processID:  uuid.NewString(),
		startTicks: start.ticks,
		sink:       snk,
		blocks:     make(chan *rawBlock, 16),
		flushReq:   make(chan chan struct{}),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	sys.logs = newStream(uuid.NewString(), []string{"log"}, logObjectUDTs, logDependencyUDTs, cfg.LogBufferSize, sys.handOver)
	if !active.CompareAndSwap(nil, sys) {
		snk.Close(context.Background())
		return nil, ErrAlreadyInitialized
	}
	props := parseProperties(os.Getenv(EnvProcessProperties))
	maps.Copy(props, cfg.ProcessProperties)
	procBody, err := encodeProcess(newProcessInfo(sys.processID, start, props))
	if err != nil {
		return nil, err
	}
	// Children of this process name it as their parent.
	os.Setenv(EnvParentProcess, sys.processID)
	snk.Enqueue(sink.KindProcess, procBody)
	streamBody, err := encodeStream(sys.processID, sys.logs)
	if err != nil {
		return nil, err
	}
	snk.Enqueue(sink.KindStream, streamBody)
	go sys.run(cfg.FlushPeriod)
	return &Guard{sys: sys}, nil
}

func withEnv(cfg Config) Config {
	if cfg.URL == "" {
		cfg.URL = os.Getenv(EnvTelemetryURL)
	}
	if cfg.MaxLevel == 0 {
		cfg.MaxLevel = DefaultMaxLevel
		if l, err := ParseLevel(os.Getenv(EnvMaxLevel)); err == nil && os.Getenv(EnvMaxLevel) != "" {
			cfg.MaxLevel = l
		}
	}
	if cfg.FlushPeriod <= 0 {
		cfg.FlushPeriod = DefaultFlushPeriod
		if d, ok := parseFlushPeriod(os.Getenv(EnvFlushPeriod)); ok {
			cfg.FlushPeriod = d
		}
	}
	if cfg.LogBufferSize <= 0 {
		cfg.LogBufferSize = DefaultLogBufferSize
	}
	if cfg.LogBufferSize < 4*maxObjectSize {
		cfg.LogBufferSize = 4 * maxObjectSize
	}
	return cfg
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
// acknowledge them, or for ctx to end.
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
		<-sys.done
		g.err = sys.sink.Close(ctx)
	})
	return g.err
}

// Stats counts what telemetry recorded and lost.
type Stats struct {
	Sink sink.Stats
	// BlocksLost counts blocks dropped because the encoder fell behind.
	BlocksLost uint64
	// EncodeErrors counts blocks that could not be encoded.
	EncodeErrors uint64
}

// Stats returns the counters of the running telemetry (zero when disabled).
func (g *Guard) Stats() Stats {
	if g == nil || g.sys == nil {
		return Stats{}
	}
	return Stats{Sink: g.sys.sink.Stats(), BlocksLost: g.sys.lost.Load(), EncodeErrors: g.sys.encodeErrs.Load()}
}

// handOver gives a full block to the dispatcher without blocking; it is
// called on the instrumented goroutine, with the stream's lock held.
func (sys *system) handOver(b *rawBlock) {
	select {
	case sys.blocks <- b:
	default:
		sys.lost.Add(1)
	}
}

// run is the dispatcher: it encodes blocks, flushes periodically and on
// request, and drains everything at stop.
func (sys *system) run(period time.Duration) {
	defer close(sys.done)
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case b := <-sys.blocks:
			sys.send(b)
		case <-tick.C:
			sys.flushStreams(false)
		case done := <-sys.flushReq:
			sys.flushStreams(false)
			close(done)
		case <-sys.stop:
			sys.flushStreams(true)
			return
		}
	}
}

// flushStreams encodes the queued blocks and the partial ones.
func (sys *system) flushStreams(closeStreams bool) {
	for {
		select {
		case b := <-sys.blocks:
			sys.send(b)
			continue
		default:
		}
		break
	}
	if b := sys.logs.take(closeStreams); b != nil {
		sys.send(b)
	}
}

func (sys *system) send(b *rawBlock) {
	body, err := encodeBlock(sys.processID, sys.startTicks, b)
	if err != nil {
		sys.encodeErrs.Add(1)
		return
	}
	sys.sink.Enqueue(sink.KindBlock, body)
}
