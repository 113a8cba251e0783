package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/micromegas-go/micromegas/telemetry"
)

// The events of an emitter: log lines with a sequence number (unique per
// process, so a duplicate shows) and numbers, two metrics, thread spans
// on a track and async spans.
var (
	logServed  = telemetry.NewLogSite(telemetry.LevelInfo, "loadtest/http", "request %d served in %d us")
	logSlow    = telemetry.NewLogSite(telemetry.LevelWarn, "loadtest/http", "request %d slow: %d us over budget")
	logFailed  = telemetry.NewLogSite(telemetry.LevelError, "loadtest/db", "request %d failed after %d retries")
	metLatency = telemetry.NewMetric("loadtest_latency", "us")
	metQueue   = telemetry.NewMetric("loadtest_queue_depth", "items")
	spanWork   = telemetry.NewSpan("loadtest_work")
	spanStep   = telemetry.NewSpan("loadtest_step")
	spanAsync  = telemetry.NewSpan("loadtest_request")
)

// LogTarget is the target prefix of the emitters' log lines.
const LogTarget = "loadtest/"

// EmitConfig configures one emitter process.
type EmitConfig struct {
	// URL of the ingestion service (the harness's proxy).
	URL string
	// Rate is the events per second of the process: 4 log lines, 4
	// measures, 8 thread span events (2 nested spans) and 2 async span
	// events in every 18.
	Rate float64
	// FlushPeriod is how often partial blocks are sent (default 1 s).
	FlushPeriod time.Duration
}

// EmitReport is what an emitter prints on stdout as JSON when it stops.
type EmitReport struct {
	ProcessID string          `json:"process_id"`
	Events    int64           `json:"events"` // recorded by the program
	Stats     telemetry.Stats `json:"stats"`
	// ShutdownError is the flush's error, if any: blocks still queued
	// then are counted in Stats as dropped or failed.
	ShutdownError string `json:"shutdown_error,omitempty"`
}

// eventsPerRound is the events of one round of emitRound.
const eventsPerRound = 18

// Emit records events at cfg.Rate until ctx ends, flushes, and writes an
// EmitReport to out.
func Emit(ctx context.Context, cfg EmitConfig, out io.Writer) error {
	if cfg.FlushPeriod <= 0 {
		cfg.FlushPeriod = time.Second
	}
	if cfg.Rate <= 0 {
		return fmt.Errorf("emit: want a positive rate, got %v", cfg.Rate)
	}
	g, err := telemetry.Init(telemetry.Config{
		URL: cfg.URL, EnableCPUTracing: true, FlushPeriod: cfg.FlushPeriod,
		ProcessProperties: map[string]string{"service": "loadtest-emitter"},
	})
	if err != nil {
		return fmt.Errorf("emit: %w", err)
	}
	track := telemetry.NewTrack("worker", nil)
	var rounds int64
	start := time.Now()
	perRound := time.Duration(float64(time.Second) * eventsPerRound / cfg.Rate)
	for ctx.Err() == nil {
		emitRound(track, rounds)
		rounds++
		if ahead := time.Duration(rounds)*perRound - time.Since(start); ahead > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(ahead):
			}
		}
	}
	track.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep := EmitReport{ProcessID: g.ProcessID(), Events: rounds * eventsPerRound}
	if err := g.Shutdown(sctx); err != nil {
		rep.ShutdownError = err.Error()
	}
	rep.Stats = g.Stats()
	return json.NewEncoder(out).Encode(rep)
}

// emitRound records eventsPerRound events.
func emitRound(track *telemetry.Track, i int64) {
	us := uint64(100 + i%900)
	for j := range int64(4) {
		seq := i*4 + j
		switch {
		case seq%50 == 49:
			logFailed.Logf(seq, seq%5)
		case seq%10 == 9:
			logSlow.Logf(seq, us)
		default:
			logServed.Logf(seq, us)
		}
	}
	for range 2 {
		metLatency.RecordInt(us)
		metQueue.RecordInt(uint64(i % 64))
	}
	for range 2 {
		track.Begin(spanWork)
		track.Begin(spanStep)
		track.End(spanStep)
		track.End(spanWork)
	}
	spanAsync.BeginAsync(telemetry.AsyncSpan{}).End()
}
