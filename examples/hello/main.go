// Command hello is a small program instrumented with the telemetry
// package; it records every event type. Run it against a server (the
// server needs the duckdb_arrow build tag, which make build passes; this
// program does not):
//
//	make build && bin/micromegas serve &
//	go build -o bin/hello ./examples/hello
//	MICROMEGAS_TELEMETRY_URL=http://127.0.0.1:9000 MICROMEGAS_ENABLE_CPU_TRACING=true bin/hello
//	bin/micromegas query "SELECT time, level, target, msg FROM log_entries ORDER BY time"
//	bin/micromegas query "SELECT time, name, unit, value FROM measures ORDER BY time"
//
// Built with go build, the process's exe (processes.exe) is the path of
// bin/hello; with go run it would be a temporary file of the go command.
//
// Spans (thread spans on a named track, async spans across goroutines)
// are recorded only with MICROMEGAS_ENABLE_CPU_TRACING=true.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/micromegas-go/micromegas/telemetry"
)

// Static metadata is declared once; an event then costs a timestamp and
// an id.
var (
	logStarted  = telemetry.NewLogSite(telemetry.LevelInfo, "hello", "hello started")
	logWork     = telemetry.NewLogSite(telemetry.LevelDebug, "hello/work", "processed item %d of %d")
	logSlow     = telemetry.NewLogSite(telemetry.LevelWarn, "hello/work", "item %d was slow: %s")
	logFailed   = telemetry.NewLogSite(telemetry.LevelError, "hello/work", "item failed to process")
	logRequest  = telemetry.NewLogSite(telemetry.LevelInfo, "hello/http", "request served")
	logFinished = telemetry.NewLogSite(telemetry.LevelInfo, "hello", "hello finished")

	metricItems   = telemetry.NewMetric("items_processed", "count")
	metricLatency = telemetry.NewMetric("item_latency", "ms")
	metricElapsed = telemetry.NewMetric("item_time", "ticks") // shown in seconds

	spanRun     = telemetry.NewSpan("run")
	spanItem    = telemetry.NewSpan("process_item")
	spanRequest = telemetry.NewSpan("request")
	spanFetch   = telemetry.NewSpan("fetch")
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
}

func run() error {
	guard, err := telemetry.Init(telemetry.Config{
		MaxLevel:          telemetry.LevelDebug,
		ProcessProperties: map[string]string{"example": "hello"},
	})
	if err != nil {
		return err
	}
	if guard.ProcessID() == "" {
		fmt.Fprintln(os.Stderr, "hello: MICROMEGAS_TELEMETRY_URL is not set; telemetry is disabled")
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := guard.Shutdown(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "hello: flushing telemetry:", err)
		}
		if st := guard.Stats(); st.Dropped() > 0 {
			fmt.Fprintf(os.Stderr, "hello: telemetry lost data: %+v\n", st)
		}
	}()
	// A panic below is logged (value and stack) and flushed before the
	// program dies.
	defer telemetry.FlushOnPanic(5 * time.Second)

	logStarted.Log()

	// Thread spans: this goroutine owns a named track; spans nest.
	track := telemetry.NewTrack("hello-main", map[string]string{"role": "worker"})
	defer track.Close()
	track.Begin(spanRun)
	const n = 3
	for i := 1; i <= n; i++ {
		track.Begin(spanItem)
		start := telemetry.Now()
		time.Sleep(time.Duration(i) * time.Millisecond)
		logWork.Logf(i, n)
		metricItems.RecordInt(uint64(i))
		metricLatency.RecordFloat(float64(i) * 1.5)
		metricElapsed.RecordInt(uint64(telemetry.Now() - start))
		track.End(spanItem)
	}
	track.End(spanRun)

	logSlow.Logf(2, 150*time.Millisecond)
	logFailed.Log()
	telemetry.Logf(telemetry.LevelTrace, "hello", "trace is below the max level and not recorded")

	// A structured log and a tagged metric: properties are interned sets.
	props := telemetry.NewPropertySet(
		telemetry.Property{Name: "method", Value: "GET"},
		telemetry.Property{Name: "route", Value: "/hello"},
	)
	logRequest.LogWith(props)
	metricLatency.RecordFloatWith(props, 2.5)

	// Async spans across goroutines, parented through the context.
	ctx, req := telemetry.StartAsyncSpan(context.Background(), spanRequest)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			_, fetch := telemetry.StartAsyncSpan(ctx, spanFetch)
			time.Sleep(2 * time.Millisecond)
			fetch.End()
		})
	}
	wg.Wait()
	req.End()

	// The slog bridge: existing slog code lands in the same log stream.
	logger := slog.New(telemetry.NewSlogHandler(&telemetry.SlogOptions{Target: "hello/slog"}))
	logger.Info("slog says hello", "items", n, "ok", true)

	logFinished.Log()
	fmt.Println("process", guard.ProcessID())
	return nil
}
