package telemetry

import (
	"context"
	"errors"
	"runtime/trace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/gotrace"
)

var (
	frError = NewLogSite(LevelError, "flightrecorder/test", "request failed")
	frFatal = NewLogSite(LevelFatal, "flightrecorder/test", "cannot continue: %s (%d)")
	frWarn  = NewLogSite(LevelWarn, "flightrecorder/test", "slow disk")
)

// snapshot is a flight-recorder snapshot the collector received.
type snapshot struct {
	trigger string
	data    string
	stream  map[string]string
}

func snapshots(c *collector) []snapshot {
	var out []snapshot
	for _, e := range c.events() {
		if e.obj.TypeName != "GoExecutionTrace" {
			continue
		}
		if len(e.tags) != 1 || e.tags[0] != GoTraceStreamTag {
			continue
		}
		trigger, _ := e.obj.Str("trigger")
		data, _ := e.obj.Str("data")
		out = append(out, snapshot{trigger: trigger, data: data, stream: e.stream.Properties})
	}
	return out
}

// frWorker is the goroutine of the burst, found by name in the trace.
func frWorker(in <-chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	for n := range in {
		for i := range 20000 * n {
			_ = i * i
		}
	}
}

func frBurst() {
	var wg sync.WaitGroup
	in := make(chan int)
	for range 4 {
		wg.Add(1)
		go frWorker(in, &wg)
	}
	for i := range 40 {
		in <- i % 5
	}
	close(in)
	wg.Wait()
}

// workerStates returns the states seen of frWorker goroutines in a trace.
func workerStates(t *testing.T, data string) (goroutines int, states map[string]int) {
	t.Helper()
	states = map[string]int{}
	gs := map[int64]bool{}
	err := gotrace.Intervals(strings.NewReader(data), func(iv gotrace.Interval) error {
		if strings.HasSuffix(iv.Name, ".frWorker") {
			gs[iv.Goroutine] = true
			states[iv.State]++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("decode snapshot: %v", err)
	}
	return len(gs), states
}

// TestFlightRecorder: each tail-sampling trigger sends one snapshot of
// the window, holding the burst's goroutines; logs less severe than the
// trigger level (quiet) send none.
func TestFlightRecorder(t *testing.T) {
	for _, c := range []struct {
		name    string
		ts      *TailSampling
		trigger func(*Guard)
		want    string
		sync    bool   // sent when trigger returns
		quiet   func() // before the trigger: must not trigger
	}{
		{"error log", nil, func(*Guard) { frError.Log() }, TriggerLog, false, func() { frWarn.Log() }},
		{"fatal log", nil, func(*Guard) { frFatal.Logf("disk full", 28) }, TriggerLog, false, nil},
		{"fatal log, trigger level fatal", &TailSampling{TriggerLevel: LevelFatal}, func(*Guard) { frFatal.Log() },
			TriggerLog, false, func() { frError.Log(); frError.Logf() }},
		{"KeepRecent", nil, func(g *Guard) { g.KeepRecent() }, TriggerKeepRecent, false, nil},
		{"slow span", &TailSampling{SlowSpan: 30 * time.Millisecond}, func(*Guard) {
			tr := NewTrack("slow", nil)
			defer tr.Close()
			tr.Begin(tsSpan)
			time.Sleep(50 * time.Millisecond)
			tr.End(tsSpan)
			tr.Flush()
		}, TriggerSlowSpan, false, nil},
		{"panic", nil, func(*Guard) {
			defer func() { recover() }()
			defer FlushOnPanic(10 * time.Second)
			panic(errors.New("boom"))
		}, TriggerPanic, true, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			col := newCollector(t)
			g := startTelemetry(t, Config{URL: col.url(), EnableCPUTracing: true, TailSampling: c.ts,
				FlightRecorder: &FlightRecorder{Window: 5 * time.Second}})
			frBurst()
			if c.quiet != nil {
				c.quiet()
				time.Sleep(300 * time.Millisecond) // time for a snapshot it would wrongly trigger
			}
			if n, st := len(snapshots(col)), g.Stats(); n != 0 || st.TraceSnapshots != 0 {
				t.Fatalf("%d snapshots (stats %+v) before any trigger", n, st)
			}
			c.trigger(g)
			if c.sync && len(snapshots(col)) == 0 {
				t.Fatal("no snapshot sent when the trigger returned")
			}
			waitFor(t, "a snapshot", func() bool { return len(snapshots(col)) > 0 })
			s := snapshots(col)[0]
			if s.trigger != c.want || s.stream["window"] != "5s" {
				t.Errorf("snapshot trigger %q, stream %v; want %q", s.trigger, s.stream, c.want)
			}
			n, states := workerStates(t, s.data)
			if n != 4 || states[gotrace.StateRunning] == 0 || states[gotrace.StateBlocked] == 0 {
				t.Errorf("%d frWorker goroutines with states %v, want 4 running and blocked", n, states)
			}
			st := g.Stats()
			if st.TraceSnapshots != 1 || st.TraceBytes != uint64(len(s.data)) || st.TraceDropped != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestFlightRecorderBounds: snapshots are rate-limited and bounded.
func TestFlightRecorderBounds(t *testing.T) {
	t.Run("rate limit", func(t *testing.T) {
		col := newCollector(t)
		g := startTelemetry(t, Config{URL: col.url(), FlightRecorder: &FlightRecorder{Window: time.Second, MinInterval: time.Hour}})
		g.KeepRecent()
		waitFor(t, "the first snapshot", func() bool { return g.Stats().TraceSnapshots == 1 })
		g.KeepRecent()
		waitFor(t, "the second trigger to be skipped", func() bool { return g.Stats().TraceSkipped == 1 })
		shutdown(t, g)
		if n := len(snapshots(col)); n != 1 {
			t.Errorf("%d snapshots sent, want 1", n)
		}
	})
	t.Run("max bytes", func(t *testing.T) {
		col := newCollector(t)
		g := startTelemetry(t, Config{URL: col.url(), FlightRecorder: &FlightRecorder{MaxBytes: 1 << 10}})
		frBurst()
		g.KeepRecent()
		waitFor(t, "the snapshot to be dropped", func() bool { return g.Stats().TraceDropped == 1 })
		shutdown(t, g)
		if n := len(snapshots(col)); n != 0 || g.Stats().TraceSnapshots != 0 {
			t.Errorf("%d snapshots sent past MaxBytes", n)
		}
	})
	t.Run("off by default", func(t *testing.T) {
		col := newCollector(t)
		g := startTelemetry(t, Config{URL: col.url()})
		frError.Log()
		if err := g.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		shutdown(t, g)
		if n := len(snapshots(col)); n != 0 {
			t.Errorf("%d snapshots without a flight recorder", n)
		}
	})
}

// TestFlightRecorderAlreadyRunning: the runtime allows one flight
// recorder; Init says so and leaves nothing running.
func TestFlightRecorderAlreadyRunning(t *testing.T) {
	other := trace.NewFlightRecorder(trace.FlightRecorderConfig{})
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer other.Stop()
	col := newCollector(t)
	g, err := Init(Config{URL: col.url(), FlightRecorder: &FlightRecorder{}})
	if err == nil {
		g.Shutdown(context.Background())
		t.Fatal("Init succeeded beside another flight recorder")
	}
	if !strings.Contains(err.Error(), "flight recorder") || !strings.Contains(err.Error(), EnvFlightRecorder) {
		t.Errorf("error %q does not say what to do", err)
	}
	g2 := startTelemetry(t, Config{URL: col.url()}) // nothing was left running
	shutdown(t, g2)
}
