// Command micromegas-loadgen emits telemetry events as fast as it can (or
// at a given rate) from N goroutines into an ingestion service, then
// reports the events produced per second, the blocks sent and what was
// dropped.
//
//	micromegas serve &
//	micromegas-loadgen --url http://127.0.0.1:9000 --goroutines 2 --duration 10s --events-kind log
//
// With --url discard, an in-process HTTP server accepts and discards the
// blocks: the figure is then the limit of the client pipeline alone
// (recording, encoding, compression, HTTP).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/micromegas-go/micromegas/telemetry"
)

var (
	siteStatic = telemetry.NewLogSite(telemetry.LevelInfo, "loadgen", "static load message")
	metricLoad = telemetry.NewMetric("loadgen_value", "count")
	spanLoad   = telemetry.NewSpan("loadgen_span")
)

// Result is what a run reports.
type Result struct {
	Kind          string  `json:"events_kind"`
	Goroutines    int     `json:"goroutines"`
	Seconds       float64 `json:"seconds"`
	Events        uint64  `json:"events_produced"`
	EventsPerSec  float64 `json:"events_per_second"`
	EventsEncoded uint64  `json:"events_encoded"`
	EventsLost    uint64  `json:"events_lost"`
	BlocksEncoded uint64  `json:"blocks_encoded"`
	// BlocksUncompressed were sent uncompressed: the encoders had a backlog.
	BlocksUncompressed uint64  `json:"blocks_uncompressed"`
	MessagesSent       uint64  `json:"messages_sent"`
	BytesSent          uint64  `json:"bytes_sent"`
	BlocksDropped      uint64  `json:"blocks_dropped"`
	MessagesFailed     uint64  `json:"messages_failed"`
	ShutdownSecs       float64 `json:"shutdown_seconds"`
	// EventsStored counts the events of the process in the server's
	// blocks per stream tag (with --query-url).
	EventsStored map[string]uint64 `json:"events_stored,omitempty"`
	// CPUSeconds is the CPU time of the process (producers,
	// encoders, HTTP) during the run and the shutdown.
	CPUSeconds float64 `json:"cpu_seconds"`
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "micromegas-loadgen:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("micromegas-loadgen", flag.ContinueOnError)
	url := fs.String("url", os.Getenv(telemetry.EnvTelemetryURL), "ingestion service URL, or \"discard\" for an in-process server that discards")
	goroutines := fs.Int("goroutines", 2, "goroutines emitting events")
	duration := fs.Duration("duration", 10*time.Second, "how long to emit")
	kind := fs.String("events-kind", "log", "log, metric, span (thread spans on a track per goroutine), async or mixed")
	rate := fs.Float64("rate", 0, "target events per second for all goroutines (0: as fast as possible)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	queryURL := fs.String("query-url", "", "HTTP query API of the server (micromegas serve --web-addr), to count the events stored")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" {
		return errors.New("--url is required (or MICROMEGAS_TELEMETRY_URL), e.g. http://127.0.0.1:9000, or discard")
	}
	emit, ok := emitters[*kind]
	if !ok {
		return fmt.Errorf("--events-kind %q: want log, metric, span, async or mixed", *kind)
	}
	if *goroutines < 1 {
		return errors.New("--goroutines must be at least 1")
	}
	if *url == "discard" {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
		}))
		defer srv.Close()
		*url = srv.URL
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	g, err := telemetry.Init(telemetry.Config{URL: *url, EnableCPUTracing: true})
	if err != nil {
		return err
	}
	res := Result{Kind: *kind, Goroutines: *goroutines}
	cpu0 := processCPU()
	var total atomic.Uint64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(*duration)
	perG := *rate / float64(*goroutines)
	for i := range *goroutines {
		wg.Go(func() {
			total.Add(emit(i, deadline, perG))
		})
	}
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	res.Events = total.Load()
	res.EventsPerSec = float64(res.Events) / res.Seconds
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	shutdownErr := g.Shutdown(ctx)
	res.ShutdownSecs = time.Since(t0).Seconds()
	res.CPUSeconds = processCPU() - cpu0
	st := g.Stats()
	res.EventsEncoded, res.EventsLost, res.BlocksEncoded = st.EventsEncoded, st.EventsLost, st.BlocksEncoded
	res.BlocksUncompressed = st.BlocksUncompressed
	res.MessagesSent, res.BytesSent = st.Sink.Sent, st.Sink.SentBytes
	res.BlocksDropped, res.MessagesFailed = st.BlocksLost+st.Sink.Dropped, st.Sink.Failed
	if *queryURL != "" {
		qctx, qcancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer qcancel()
		if res.EventsStored, err = storedEvents(qctx, *queryURL, g.ProcessID()); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		printResult(out, res)
	}
	return shutdownErr
}

func printResult(w io.Writer, r Result) {
	var b strings.Builder
	fmt.Fprintf(&b, "events kind       %s from %d goroutines for %.1f s\n", r.Kind, r.Goroutines, r.Seconds)
	fmt.Fprintf(&b, "events produced   %d (%.2f M/s)\n", r.Events, r.EventsPerSec/1e6)
	fmt.Fprintf(&b, "events encoded    %d, lost before encoding %d\n", r.EventsEncoded, r.EventsLost)
	fmt.Fprintf(&b, "blocks encoded    %d (%d uncompressed); messages sent %d (%.1f MiB)\n", r.BlocksEncoded, r.BlocksUncompressed, r.MessagesSent, float64(r.BytesSent)/(1<<20))
	fmt.Fprintf(&b, "blocks dropped    %d; messages failed %d\n", r.BlocksDropped, r.MessagesFailed)
	fmt.Fprintf(&b, "shutdown          %.2f s\n", r.ShutdownSecs)
	fmt.Fprintf(&b, "process CPU       %.2f s (%.2f M events encoded per CPU-second)\n", r.CPUSeconds, float64(r.EventsEncoded)/r.CPUSeconds/1e6)
	for _, tag := range slices.Sorted(maps.Keys(r.EventsStored)) {
		fmt.Fprintf(&b, "events stored     %d in %s streams\n", r.EventsStored[tag], tag)
	}
	io.WriteString(w, b.String())
}

// emitters record events until the deadline, at perSecond events per
// second when it is positive, and return how many they recorded.
var emitters = map[string]func(id int, deadline time.Time, perSecond float64) uint64{
	"log":    loop(func(uint64) int { siteStatic.Log(); return 1 }),
	"metric": loop(func(i uint64) int { metricLoad.RecordInt(i); return 1 }),
	"async":  loop(func(uint64) int { spanLoad.BeginAsync(telemetry.AsyncSpan{}).End(); return 2 }),
	"mixed": loop(func(i uint64) int {
		siteStatic.Log()
		metricLoad.RecordInt(i)
		spanLoad.BeginAsync(telemetry.AsyncSpan{}).End()
		return 4
	}),
	"span": func(id int, deadline time.Time, perSecond float64) uint64 {
		tr := telemetry.NewTrack(fmt.Sprintf("loadgen-%d", id), nil)
		defer tr.Close()
		return loop(func(uint64) int { tr.Begin(spanLoad); tr.End(spanLoad); return 2 })(id, deadline, perSecond)
	},
}

// batch is how many iterations run between clock and pacing checks.
const batch = 1024

func loop(step func(i uint64) int) func(int, time.Time, float64) uint64 {
	return func(_ int, deadline time.Time, perSecond float64) uint64 {
		var n, i uint64
		start := time.Now()
		for {
			for range batch {
				n += uint64(step(i))
				i++
			}
			now := time.Now()
			if now.After(deadline) {
				return n
			}
			if perSecond > 0 {
				if ahead := time.Duration(float64(n)/perSecond*float64(time.Second)) - now.Sub(start); ahead > 0 {
					time.Sleep(ahead)
				}
			}
		}
	}
}
