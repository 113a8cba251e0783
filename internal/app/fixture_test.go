package app

import (
	"context"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/telemetry"
)

var (
	fixLog    = telemetry.NewLogSite(telemetry.LevelWarn, "fixture/log", "fixture line %d")
	fixMetric = telemetry.NewMetricTarget("fixture/metric", "queue_depth", "items", "fixture.go", 7)
	fixOuter  = telemetry.NewSpanTarget("fixture/span", "outer", "fixture.go", 10)
	fixInner  = telemetry.NewSpanTarget("fixture/span", "inner", "fixture.go", 20)
	fixAsync  = telemetry.NewSpanTarget("fixture/async", "request", "fixture.go", 30)
)

// fixture is what emitTelemetry sent: one process with fixLines log
// lines, fixMetrics measures, fixSpans outer spans (each with one inner
// span) on one track, and fixAsyncSpans async spans.
type fixture struct {
	processID  string
	begin, end time.Time // around every event
}

const (
	fixLines      = 25
	fixMetrics    = 10
	fixSpans      = 5
	fixAsyncSpans = 3
)

// emitTelemetry runs an instrumented "process" against a's ingestion
// service and waits until everything is acknowledged.
func emitTelemetry(t *testing.T, a *App) fixture {
	t.Helper()
	guard, err := telemetry.Init(telemetry.Config{
		URL:              "http://" + a.IngestionAddr().String(),
		EnableCPUTracing: true,
		ProcessProperties: map[string]string{
			"fixture": "yes",
		},
	})
	if err != nil {
		t.Fatalf("telemetry init: %v", err)
	}
	f := fixture{processID: guard.ProcessID(), begin: time.Now().UTC()}
	for i := range fixLines {
		fixLog.Logf(i)
	}
	for i := range fixMetrics {
		fixMetric.RecordInt(uint64(i))
	}
	track := telemetry.NewTrack("worker-1", nil)
	for range fixSpans {
		track.Begin(fixOuter)
		track.Begin(fixInner)
		time.Sleep(200 * time.Microsecond)
		track.End(fixInner)
		track.End(fixOuter)
	}
	for range fixAsyncSpans {
		s := fixAsync.BeginAsync(telemetry.AsyncSpan{})
		time.Sleep(100 * time.Microsecond)
		s.End()
	}
	track.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := guard.Shutdown(ctx); err != nil {
		t.Fatalf("telemetry shutdown: %v", err)
	}
	st := guard.Stats()
	if st.Sink.Dropped != 0 || st.Sink.Failed != 0 || st.BlocksLost != 0 {
		t.Fatalf("telemetry lost data: %+v", st)
	}
	f.end = time.Now().UTC()
	return f
}
