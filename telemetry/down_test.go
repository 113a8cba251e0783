package telemetry

import (
	"context"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
)

var downMetric = NewMetric("down", "count")

// TestServerDownBounded: with no server, the program never blocks, queued
// bytes stay under the budget, every event is encoded or counted lost, Shutdown honours its
// deadline and no goroutine is left behind.
func TestServerDownBounded(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	const budget = 256 << 10
	g, err := Init(Config{URL: url, MetricsBufferSize: 8 << 10, MaxQueuedBytes: budget, FlushPeriod: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	const events = 1_000_000
	for i := range events {
		downMetric.RecordInt(uint64(i))
		if i%10000 == 0 {
			if q := g.Stats().Sink.QueuedBytes; q > budget+64<<10 {
				t.Fatalf("%d bytes queued with a budget of %d", q, budget)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	g.Shutdown(ctx)
	if d := time.Since(t0); d > 3*time.Second {
		t.Errorf("Shutdown took %v with a 300 ms deadline", d)
	}
	st := g.Stats()
	if st.Dropped() == 0 || st.Sink.Sent != 0 {
		t.Errorf("stats %+v: want drops counted and nothing sent", st)
	}
	// Every event is accounted for: encoded (then dropped by the sink) or
	// lost before encoding, and counted. (The program is never held back:
	// recording takes no lock the sink holds; the loop above ends.)
	if st.EventsEncoded+st.EventsLost < events {
		t.Errorf("%d events encoded + %d lost < %d recorded", st.EventsEncoded, st.EventsLost, events)
	}
}

var busySite = NewLogSite(LevelInfo, "busy", "sent despite a busy server")

// TestBusyServerRetried: the server answers 503 and 429 before accepting;
// everything recorded before Shutdown arrives.
func TestBusyServerRetried(t *testing.T) {
	c := newCollector(t)
	refusals := 0
	c.fail = func(path string) int {
		if path == "/ingestion/insert_block" && refusals < 3 {
			refusals++
			return []int{503, 429, 503}[refusals-1]
		}
		return 0
	}
	g := startTelemetry(t, Config{URL: c.url(), LogBufferSize: 1024})
	for range 200 {
		busySite.Log()
	}
	shutdown(t, g)
	if n := len(byType(c.events(), "LogStaticStrEvent")); n != 200 {
		t.Fatalf("%d logs arrived, want 200", n)
	}
	if st := g.Stats(); st.Sink.Retries < 3 || st.Dropped() != 0 {
		t.Errorf("stats %+v: want 3 retries and nothing lost", st)
	}
}

var longSite = NewLogSite(LevelInfo, "long", "")

// TestLongMessageTruncated: a message longer than a buffer is cut on a
// character boundary rather than lost.
func TestLongMessageTruncated(t *testing.T) {
	c := newCollector(t)
	g := startTelemetry(t, Config{URL: c.url(), LogBufferSize: 1024})
	msg := ""
	for len(msg) < 3000 {
		msg += "é"
	}
	longSite.LogString(msg)
	shutdown(t, g)
	evs := byType(c.events(), "LogStringEventV2")
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	got := must[string](t)(evs[0].obj.Str("msg"))
	if len(got) == 0 || len(got) >= 1024 || got != msg[:len(got)] {
		t.Errorf("message of %d bytes, want a prefix shorter than the buffer", len(got))
	}
}
