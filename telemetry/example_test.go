package telemetry_test

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/micromegas-go/micromegas/telemetry"
)

// Static metadata is declared once, at package level.
var (
	logStarted = telemetry.NewLogSite(telemetry.LevelInfo, "example/server", "server started")
	logServed  = telemetry.NewLogSite(telemetry.LevelInfo, "example/http", "served %s in %d ms")
	logFailed  = telemetry.NewLogSite(telemetry.LevelError, "example/http", "request failed")

	metricInFlight = telemetry.NewMetric("requests_in_flight", "count")
	metricLatency  = telemetry.NewMetric("request_latency", "ms")

	spanHandle = telemetry.NewSpan("handle")
	spanParse  = telemetry.NewSpan("parse")
	spanFetch  = telemetry.NewSpan("fetch")
)

func Example() {
	guard, err := telemetry.Init(telemetry.Config{
		URL:               os.Getenv("MICROMEGAS_TELEMETRY_URL"), // empty: disabled
		MaxLevel:          telemetry.LevelDebug,
		ProcessProperties: map[string]string{"service": "example"},
	})
	if err != nil {
		panic(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		guard.Shutdown(ctx) // flushes what was recorded
	}()
	logStarted.Log()
	logServed.Logf("/index.html", 12)
	metricInFlight.RecordInt(3)
	metricLatency.RecordFloat(12.5)
}

func ExampleLogSite_LogWith() {
	// Property sets are interned: make them once per distinct set.
	props := telemetry.NewPropertySet(
		telemetry.Property{Name: "method", Value: "GET"},
		telemetry.Property{Name: "route", Value: "/users"},
	)
	logFailed.LogWith(props)
	metricLatency.RecordFloatWith(props, 18.5)
}

func ExampleTrack() {
	// A goroutine that wants a call tree owns a track.
	track := telemetry.NewTrack("worker-1", map[string]string{"pool": "io"})
	defer track.Close()
	track.Begin(spanHandle)
	track.Begin(spanParse)
	track.End(spanParse)
	track.End(spanHandle)
}

func ExampleStartAsyncSpan() {
	ctx, span := telemetry.StartAsyncSpan(context.Background(), spanHandle)
	defer span.End()
	done := make(chan struct{})
	go func() {
		defer close(done)
		// The child span names the parent carried by ctx.
		_, child := telemetry.StartAsyncSpan(ctx, spanFetch)
		defer child.End()
	}()
	<-done
}

func ExampleSpan_BeginAsync() {
	// Without a context: pass the parent explicitly (no allocation).
	root := spanHandle.BeginAsync(telemetry.AsyncSpan{})
	child := spanFetch.BeginAsync(root)
	child.End()
	root.End()
}

func ExampleNewSlogHandler() {
	slog.SetDefault(slog.New(telemetry.NewSlogHandler(&telemetry.SlogOptions{Target: "example/slog"})))
	slog.Info("cache warmed", "entries", 1024)
}

func ExampleTailSampling() {
	// Span blocks are held for 2 minutes and sent only if an error is
	// logged, a span lasts more than 250 ms, KeepRecent is called, or for
	// 1% of the windows.
	guard, err := telemetry.Init(telemetry.Config{
		EnableCPUTracing: true,
		TailSampling: &telemetry.TailSampling{
			Window:      2 * time.Minute,
			SlowSpan:    250 * time.Millisecond,
			Probability: 0.01,
		},
	})
	if err != nil {
		panic(err)
	}
	defer guard.Shutdown(context.Background())
	// Something noteworthy happened: keep the spans around it.
	guard.KeepRecent()
	st := guard.Stats()
	_ = st.SampledOutBlocks // discarded by sampling, apart from st.Dropped()
}
