package app

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/telemetry"
)

// Static metadata of TestTelemetryViews.
var (
	tvRequests = telemetry.NewMetricTarget("tv/metrics", "tv_requests", "count", "tv.go", 1)
	tvLatency  = telemetry.NewMetricTarget("tv/metrics", "tv_latency", "ms", "tv.go", 2)
	tvOuter    = telemetry.NewSpanTarget("tv/spans", "tv_outer", "tv.go", 10)
	tvInner    = telemetry.NewSpanTarget("tv/spans", "tv_inner", "tv.go", 11)
	tvLeaf     = telemetry.NewSpanTarget("tv/spans", "tv_leaf", "tv.go", 12)
	tvSibling  = telemetry.NewSpanTarget("tv/spans", "tv_sibling", "tv.go", 13)
	tvRequest  = telemetry.NewSpanTarget("tv/async", "tv_request", "tv.go", 20)
	tvFetch    = telemetry.NewSpanTarget("tv/async", "tv_fetch", "tv.go", 21)
	tvParse    = telemetry.NewSpanTarget("tv/async", "tv_parse", "tv.go", 22)
)

const (
	tvMetrics    = 20 // values of each metric
	tvOuterSpans = 40 // outer spans on the track, each with inner(leaf) and sibling
	tvFetches    = 4  // async children of the request, each with one parse
)

// TestTelemetryViews emits metrics, thread spans and async spans with the
// telemetry library into a server and checks them through the SQL views:
// measures, view_instance('thread_spans', stream_id) and
// view_instance('async_events', process_id). The cpu buffers are small, so
// the call tree of the track spans several blocks.
func TestTelemetryViews(t *testing.T) {
	a := startApp(t)
	guard, err := telemetry.Init(telemetry.Config{
		URL:              "http://" + a.IngestionAddr().String(),
		EnableCPUTracing: true,
		CPUBufferSize:    1024,
	})
	if err != nil {
		t.Fatalf("telemetry init: %v", err)
	}
	pid := guard.ProcessID()

	props := telemetry.NewPropertySet(telemetry.Property{Name: "route", Value: "/tv"})
	for i := range tvMetrics {
		tvRequests.RecordInt(uint64(i * 3))
		tvLatency.RecordFloatWith(props, float64(i)+0.25)
	}

	track := telemetry.NewTrack("tv-worker", map[string]string{"role": "views"})
	for range tvOuterSpans {
		track.Begin(tvOuter)
		track.Begin(tvInner)
		track.Begin(tvLeaf)
		track.End(tvLeaf)
		track.End(tvInner)
		track.Begin(tvSibling)
		track.End(tvSibling)
		track.End(tvOuter)
	}
	streamID := track.StreamID()
	track.Close()

	type asyncWant struct {
		name          string
		parent, depth uint64
	}
	want := map[uint64]asyncWant{} // span id → expected row
	var mu sync.Mutex
	ctx, root := telemetry.StartAsyncSpan(context.Background(), tvRequest)
	want[root.ID()] = asyncWant{"tv_request", 0, 0}
	var wg sync.WaitGroup
	for range tvFetches {
		wg.Go(func() { // across goroutines, by context
			fctx, fetch := telemetry.StartAsyncSpan(ctx, tvFetch)
			_, parse := telemetry.StartAsyncSpan(fctx, tvParse)
			parse.End()
			fetch.End()
			mu.Lock()
			want[fetch.ID()] = asyncWant{"tv_fetch", root.ID(), 1}
			want[parse.ID()] = asyncWant{"tv_parse", fetch.ID(), 2}
			mu.Unlock()
		})
	}
	wg.Wait()
	root.End()

	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := guard.Shutdown(sctx); err != nil {
		t.Fatalf("telemetry shutdown: %v", err)
	}
	if st := guard.Stats(); st.Dropped() != 0 || st.EventsLost != 0 || st.EncodeErrors != 0 {
		t.Fatalf("telemetry lost data: %+v", st)
	}
	addr := a.FlightSQLAddr().String()

	t.Run("measures", func(t *testing.T) {
		_, rows := queryRows(t, addr, `SELECT name, unit, target, value, property_get(properties, 'route')
			FROM measures WHERE process_id = '`+pid+`' AND name LIKE 'tv_%' ORDER BY name, time`)
		var wantRows [][]string
		for i := range tvMetrics {
			wantRows = append(wantRows, []string{"tv_latency", "ms", "tv/metrics", strconv.FormatFloat(float64(i)+0.25, 'f', -1, 64), "/tv"})
		}
		for i := range tvMetrics {
			wantRows = append(wantRows, []string{"tv_requests", "count", "tv/metrics", strconv.Itoa(i * 3), "(null)"})
		}
		if got, w := joinRows(rows), joinRows(wantRows); got != w {
			t.Errorf("measures:\ngot\n%s\nwant\n%s", got, w)
		}
	})

	t.Run("thread_spans", func(t *testing.T) {
		if streamID == "" {
			t.Fatal("the track has no stream")
		}
		_, streams := queryRows(t, addr, `SELECT property_get(properties, 'thread-name'), property_get(properties, 'role'), array_to_string(tags, ',')
			FROM streams WHERE stream_id = '`+streamID+`'`)
		if got := joinRows(streams); got != "tv-worker:views:cpu" {
			t.Errorf("track stream: %q", got)
		}
		_, rows := queryRows(t, addr, `SELECT id, parent, depth, name, target, line, epoch_ns(begin), epoch_ns("end"), duration
			FROM view_instance('thread_spans', '`+streamID+`') ORDER BY begin, depth`)
		checkThreadSpans(t, rows)
	})

	t.Run("async_events", func(t *testing.T) {
		_, rows := queryRows(t, addr, `SELECT event_type, span_id, parent_span_id, depth, name, target, line
			FROM view_instance('async_events', '`+pid+`') WHERE name LIKE 'tv_%' ORDER BY time`)
		if len(rows) != 2*len(want) {
			t.Fatalf("got %d async events, want %d:\n%s", len(rows), 2*len(want), joinRows(rows))
		}
		begun, ended := map[uint64]bool{}, map[uint64]bool{}
		for _, r := range rows {
			id, parent, depth := mustUint(t, r[1]), mustUint(t, r[2]), mustUint(t, r[3])
			w, ok := want[id]
			if !ok {
				t.Errorf("unexpected span id in %v", r)
				continue
			}
			if r[4] != w.name || parent != w.parent || depth != w.depth || r[5] != "tv/async" {
				t.Errorf("async event %v, want name %s parent %d depth %d", r, w.name, w.parent, w.depth)
			}
			switch r[0] {
			case "begin":
				if begun[id] || ended[id] {
					t.Errorf("span %d begins twice or after its end", id)
				}
				if w.parent != 0 && !begun[w.parent] {
					t.Errorf("span %d begins before its parent %d", id, w.parent)
				}
				begun[id] = true
			case "end":
				if !begun[id] || ended[id] {
					t.Errorf("span %d ends before it begins, or twice", id)
				}
				ended[id] = true
			default:
				t.Errorf("event_type %q", r[0])
			}
		}
		if len(ended) != len(want) {
			t.Errorf("%d spans ended, want %d", len(ended), len(want))
		}
	})
}

// checkThreadSpans checks the call tree of the track (spec 5.2): a root
// row for the thread (id -1, depth 0, named after the track), then every
// outer span with its inner span (holding a leaf) and a sibling. A span's
// id is the index of its begin event in the stream (8 events per outer
// span); children have their parent's id and lie inside its time.
func checkThreadSpans(t *testing.T, rows [][]string) {
	t.Helper()
	type span struct {
		id, parent         int64
		depth              uint64
		name, target, line string
		begin, end, dur    int64
	}
	byID := map[int64]span{}
	counts := map[string]int{}
	for _, r := range rows {
		s := span{id: mustInt(t, r[0]), parent: mustInt(t, r[1]), depth: mustUint(t, r[2]), name: r[3], target: r[4], line: r[5],
			begin: mustInt(t, r[6]), end: mustInt(t, r[7]), dur: mustInt(t, r[8])}
		if _, dup := byID[s.id]; dup {
			t.Errorf("span id %d twice", s.id)
		}
		byID[s.id] = s
		counts[s.name]++
		if s.end < s.begin || s.dur != s.end-s.begin {
			t.Errorf("span %+v: want end >= begin and duration end-begin", s)
		}
	}
	wantCounts := map[string]int{"tv-worker": 1, "tv_outer": tvOuterSpans, "tv_inner": tvOuterSpans, "tv_leaf": tvOuterSpans, "tv_sibling": tvOuterSpans}
	if fmt.Sprint(counts) != fmt.Sprint(wantCounts) {
		t.Fatalf("spans per name %v, want %v", counts, wantCounts)
	}
	if root := byID[-1]; root.name != "tv-worker" || root.depth != 0 || root.parent != 0 {
		t.Errorf("thread root %+v, want tv-worker at depth 0", root)
	}
	// Begin event index within each group of 8 events, depth, parent, line.
	type shape struct {
		offset      int64
		depth       uint64
		parent      string
		line        string
		parentDelta int64
	}
	shapes := map[string]shape{
		"tv_outer":   {0, 1, "tv-worker", "10", 0},
		"tv_inner":   {1, 2, "tv_outer", "11", 1},
		"tv_leaf":    {2, 3, "tv_inner", "12", 1},
		"tv_sibling": {5, 2, "tv_outer", "13", 5},
	}
	for _, s := range byID {
		if s.id == -1 {
			continue
		}
		w := shapes[s.name]
		if s.id%8 != w.offset || s.depth != w.depth || s.line != w.line || s.target != "tv/spans" {
			t.Errorf("span %+v: want id %% 8 = %d, depth %d, line %s, target tv/spans", s, w.offset, w.depth, w.line)
		}
		p, ok := byID[s.parent]
		if !ok || p.name != w.parent {
			t.Errorf("span %s (%d): parent %d is %q, want a %s", s.name, s.id, s.parent, p.name, w.parent)
			continue
		}
		if s.depth > 1 && s.parent != s.id-w.parentDelta {
			t.Errorf("span %s (%d): parent %d, want %d", s.name, s.id, s.parent, s.id-w.parentDelta)
		}
		if s.begin < p.begin || s.end > p.end {
			t.Errorf("span %s [%d, %d] outside its parent %s [%d, %d]", s.name, s.begin, s.end, p.name, p.begin, p.end)
		}
	}
}

func mustUint(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v
}
