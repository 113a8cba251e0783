package telemetry

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/transit"
)

var concurrentMetric = NewMetric("concurrent", "id")

// TestConcurrentWriters records from many goroutines into small buffers
// with a short flush period, so that hand-overs and periodic steals
// interleave; every event arrives exactly once, or is counted as lost.
func TestConcurrentWriters(t *testing.T) {
	c := newCollector(t)
	g := startTelemetry(t, Config{URL: c.url(), MetricsBufferSize: 4096, FlushPeriod: 5 * time.Millisecond, MaxQueuedBytes: 1 << 30})
	const goroutines, perG = 8, 20000
	var wg sync.WaitGroup
	for gi := range goroutines {
		wg.Go(func() {
			for i := range perG {
				concurrentMetric.RecordInt(uint64(gi)<<32 | uint64(i))
				if i%1000 == 0 {
					runtime.Gosched()
				}
			}
		})
	}
	wg.Wait()
	shutdown(t, g)
	st := g.Stats()
	seen := map[uint64]bool{}
	for _, e := range byType(c.events(), "IntegerMetricEvent") {
		desc := must[*transit.Object](t)(e.obj.Obj("desc"))
		if must[string](t)(desc.Str("name")) != "concurrent" {
			continue
		}
		v := must[uint64](t)(e.obj.U64("value"))
		if seen[v] {
			t.Fatalf("event %#x received twice", v)
		}
		seen[v] = true
	}
	if st.Sink.Dropped != 0 || st.Sink.Failed != 0 {
		t.Fatalf("sink lost blocks: %+v", st.Sink)
	}
	if got := uint64(len(seen)) + st.EventsLost; got < goroutines*perG {
		t.Fatalf("received %d events and lost %d, want %d in all", len(seen), st.EventsLost, goroutines*perG)
	}
	t.Logf("%d events in %d blocks, %d lost under backpressure", len(seen), c.nbBlocks(), st.EventsLost)
}

var flushSite = NewLogSite(LevelInfo, "flush", "flushed without shutdown")

// TestPeriodicFlush checks that a partial block is sent at the flush
// period, without Shutdown or Flush.
func TestPeriodicFlush(t *testing.T) {
	c := newCollector(t)
	startTelemetry(t, Config{URL: c.url(), FlushPeriod: 20 * time.Millisecond})
	flushSite.Log()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if len(byType(c.events(), "LogStaticStrEvent")) == 1 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the log was not sent within 5 s with a 20 ms flush period")
}

var (
	lvDB    = NewLogSite(LevelDebug, "app/db", "db debug")
	lvDBX   = NewLogSite(LevelDebug, "app/db/x", "db/x debug")
	lvHTTP  = NewLogSite(LevelDebug, "app/http", "http debug")
	lvWarn  = NewLogSite(LevelWarn, "app/http", "http warn")
	lvTrace = NewLogSite(LevelTrace, "app/db", "db trace")
)

func TestTargetLevels(t *testing.T) {
	defer configureLevels(DefaultMaxLevel, nil)
	defer ClearTargetLevels()
	configureLevels(LevelInfo, map[string]Level{"app/db": LevelDebug, "app/db/x": LevelError})
	for _, c := range []struct {
		site *LogSite
		want bool
	}{{lvDB, true}, {lvDBX, false}, {lvHTTP, false}, {lvWarn, true}, {lvTrace, false}} {
		if c.site.Enabled() != c.want {
			t.Errorf("%s %s: enabled=%v, want %v", c.site.Target(), c.site.Level(), c.site.Enabled(), c.want)
		}
		if got := LevelEnabled(c.site.Level(), c.site.Target()); got != c.want {
			t.Errorf("LevelEnabled(%s, %s) = %v", c.site.Level(), c.site.Target(), got)
		}
	}
	SetMaxLevel(LevelTrace)
	if !lvHTTP.Enabled() || lvDBX.Enabled() || lvTrace.Enabled() {
		t.Errorf("after SetMaxLevel(trace): http=%v db/x=%v db trace=%v", lvHTTP.Enabled(), lvDBX.Enabled(), lvTrace.Enabled())
	}
}

// TestSlogHandler sends slog records through the bridge.
func TestSlogHandler(t *testing.T) {
	c := newCollector(t)
	g := startTelemetry(t, Config{URL: c.url(), MaxLevel: LevelInfo})
	logger := slog.New(NewSlogHandler(&SlogOptions{Target: "bridge"}))
	logger.Info("plain")
	logger.Debug("filtered out")
	logger.With("svc", "api").WithGroup("req").Warn("slow", "ms", 250, slog.Group("db", "table", "users"))
	logger.Error("failed", "err", "boom")
	logger.Log(context.Background(), slog.LevelError+4, "fatal")
	shutdown(t, g)
	type row struct {
		level uint32
		msg   string
		props string
	}
	var got []row
	for _, e := range byType(byTime(c.events()), "LogStringEventV2", "TaggedLogString") {
		desc := must[*transit.Object](t)(e.obj.Obj("desc"))
		r := row{level: must[uint32](t)(desc.U32("level")), msg: must[string](t)(e.obj.Str("msg"))}
		if must[string](t)(desc.Str("target")) != "bridge" {
			t.Errorf("target %q", must[string](t)(desc.Str("target")))
		}
		if ps, err := e.obj.Obj("properties"); err == nil {
			var b bytes.Buffer
			for _, p := range must[[]transit.Property](t)(ps.Properties()) {
				b.WriteString(p.Name + "=" + p.Value + ";")
			}
			r.props = b.String()
		}
		got = append(got, r)
	}
	want := []row{
		{4, "plain", ""},
		{3, "slow", "svc=api;req.ms=250;req.db.table=users;"},
		{2, "failed", "err=boom;"},
		{1, "fatal", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestClockFrequency checks the tick clock against the monotonic clock.
func TestClockFrequency(t *testing.T) {
	initClock()
	f := Frequency()
	if f <= 0 {
		t.Fatalf("frequency %d", f)
	}
	t0, c0 := time.Now(), Now()
	time.Sleep(100 * time.Millisecond)
	elapsed, ticks := time.Since(t0), Now()-c0
	measured := float64(ticks) / elapsed.Seconds()
	if r := measured / float64(f); r < 0.95 || r > 1.05 {
		t.Fatalf("ticks run at %.0f/s, frequency says %d/s (hardware clock: %v)", measured, f, clock.hardware)
	}
	t.Logf("frequency %d Hz, hardware clock %v", f, clock.hardware)
}

// TestDisabledIsNoop checks that without Init nothing is recorded and
// nothing breaks.
func TestDisabledIsNoop(t *testing.T) {
	g, err := Init(Config{})
	if err != nil {
		t.Fatal(err)
	}
	flushSite.Log()
	concurrentMetric.RecordFloat(1)
	tr := NewTrack("off", nil)
	tr.Begin(rtOuter)
	tr.End(rtOuter)
	tr.Close()
	if a := rtFetch.BeginAsync(AsyncSpan{}); a.ID() != 0 {
		t.Errorf("async span %d while disabled", a.ID())
	}
	if err := g.Shutdown(context.Background()); err != nil || g.ProcessID() != "" {
		t.Errorf("disabled guard: %v %q", err, g.ProcessID())
	}
}
