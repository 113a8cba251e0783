package telemetry

import (
	"context"
	"testing"
	"time"
)

var (
	tsSpan  = NewSpan("sampled")
	tsError = NewLogSite(LevelError, "sampling", "something failed")
)

// cpuEvents counts the span events the collector received.
func cpuEvents(c *collector) int {
	return len(byType(c.events(), "BeginThreadSpanEvent", "EndThreadSpanEvent"))
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTailSampling(t *testing.T) {
	for _, c := range []struct {
		name    string
		ts      TailSampling
		trigger func(g *Guard, tr *Track)
		kept    bool
	}{
		{"no trigger: discarded", TailSampling{Window: 30 * time.Millisecond}, func(*Guard, *Track) {}, false},
		{"error log", TailSampling{Window: time.Minute}, func(*Guard, *Track) { tsError.Log() }, true},
		{"error log disabled", TailSampling{Window: 30 * time.Millisecond, DisableLogTrigger: true}, func(*Guard, *Track) { tsError.Log() }, false},
		{"KeepRecent", TailSampling{Window: time.Minute}, func(g *Guard, _ *Track) { g.KeepRecent() }, true},
		{"slow span", TailSampling{Window: time.Minute, SlowSpan: 100 * time.Millisecond}, func(g *Guard, tr *Track) {
			tr.Begin(tsSpan)
			time.Sleep(150 * time.Millisecond)
			tr.End(tsSpan)
			tr.Flush()
		}, true},
		{"probability 1", TailSampling{Window: 200 * time.Millisecond, Probability: 1}, func(g *Guard, _ *Track) {
			time.Sleep(400 * time.Millisecond)
			g.Flush(context.Background()) // evicts the window
		}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			col := newCollector(t)
			ts := c.ts
			g := startTelemetry(t, Config{URL: col.url(), EnableCPUTracing: true, TailSampling: &ts})
			tr := NewTrack("sampled", nil)
			defer tr.Close()
			for range 10 {
				tr.Begin(tsSpan)
				tr.End(tsSpan)
			}
			ctx := context.Background()
			if err := g.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if n := cpuEvents(col); n != 0 {
				t.Fatalf("%d span events sent before any trigger", n)
			}
			c.trigger(g, tr)
			if c.kept {
				waitFor(t, "span blocks to be sent", func() bool { return cpuEvents(col) >= 20 })
				if st := g.Stats(); st.SampledOutBlocks != 0 {
					t.Errorf("%d blocks sampled out", st.SampledOutBlocks)
				}
				return
			}
			time.Sleep(2 * ts.Window)
			if err := g.Flush(ctx); err != nil { // evicts the window
				t.Fatal(err)
			}
			if st := g.Stats(); st.SampledOutBlocks == 0 || st.BlocksLost != 0 || st.Sink.Dropped != 0 {
				t.Errorf("stats %+v: want sampled-out blocks and no drops", st)
			}
			if n := cpuEvents(col); n != 0 {
				t.Errorf("%d span events sent without a trigger", n)
			}
		})
	}
}
