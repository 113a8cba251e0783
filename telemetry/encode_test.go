package telemetry

import (
	"context"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/micromegas-go/micromegas/internal/transit"
)

var (
	rtStatic    = NewLogSite(LevelWarn, "round/trip", "a static message")
	rtFormatted = NewLogSite(LevelDebug, "round/fmt", "value=%d")
	rtTagged    = NewLogSite(LevelError, "round/tagged", "tagged %s")
	rtInt       = NewMetric("rt_requests", "count")
	rtFloat     = NewMetric("rt_latency", "ms")
	rtOuter     = NewSpan("outer")
	rtInner     = NewSpan("inner")
	rtFetch     = NewSpan("fetch")
)

// TestEventsRoundTrip records every event type, sends it to a collector
// and decodes it with internal/transit as the server does, with blocks
// compressed and, as when the encoders have a backlog, uncompressed.
func TestEventsRoundTrip(t *testing.T) {
	for _, raw := range []bool{false, true} {
		t.Run(map[bool]string{false: "compressed", true: "uncompressed"}[raw], func(t *testing.T) {
			testEventsRoundTrip(t, raw)
		})
	}
}

func testEventsRoundTrip(t *testing.T, raw bool) {
	c := newCollector(t)
	g := startTelemetry(t, Config{URL: c.url(), MaxLevel: LevelDebug, EnableCPUTracing: true,
		ProcessProperties: map[string]string{"team": "go"}})
	g.sys.uncompressed.Store(raw)
	props := NewPropertySet(Property{"user", "ada"}, Property{"region", "eu"})

	rtStatic.Log()
	rtFormatted.Logf(7)
	rtFormatted.LogString("ünïcode ✓")
	rtTagged.LogfWith(props, "x")
	rtInt.RecordInt(42)
	rtFloat.RecordFloat(2.5)
	rtInt.RecordIntWith(props, 43)
	rtFloat.RecordFloatWith(props, 3.5)

	track := NewTrack("worker-1", map[string]string{"role": "test"})
	track.Begin(rtOuter)
	track.Begin(rtInner)
	track.End(rtInner)
	track.End(rtOuter)
	track.Close()

	ctx, root := StartAsyncSpan(context.Background(), rtFetch)
	var wg sync.WaitGroup
	var child AsyncSpan
	wg.Go(func() {
		_, child = StartAsyncSpan(ctx, rtFetch)
		child.End()
	})
	wg.Wait()
	root.End()

	shutdown(t, g)
	evs := byTime(c.events())
	if st := g.Stats(); (st.BlocksUncompressed == st.BlocksEncoded) != raw || st.BlocksEncoded == 0 {
		t.Errorf("%d blocks encoded, %d uncompressed (raw %v)", st.BlocksEncoded, st.BlocksUncompressed, raw)
	}

	if len(c.processes) != 1 {
		t.Fatalf("%d processes", len(c.processes))
	}
	p := c.processes[0]
	if string(p.ProcessID) != g.ProcessID() || p.TSCFrequency <= 0 || p.Properties["team"] != "go" || p.Exe == "" || p.CPUBrand == "" ||
		p.Properties["go-version"] != runtime.Version() || p.Properties["gomaxprocs"] != strconv.Itoa(runtime.GOMAXPROCS(0)) {
		t.Errorf("process info: %+v", p)
	}

	type logRow struct {
		typ, target, msg string
		level            uint32
		props            map[string]string
	}
	var logs []logRow
	for _, e := range byType(evs, "LogStaticStrEvent", "LogStringEventV2", "TaggedLogString") {
		if e.obj.TypeName == "" {
			continue
		}
		desc := must[*transit.Object](t)(e.obj.Obj("desc"))
		r := logRow{typ: e.obj.TypeName, target: must[string](t)(desc.Str("target")), level: must[uint32](t)(desc.U32("level"))}
		if e.obj.TypeName == "LogStaticStrEvent" {
			r.msg = must[string](t)(desc.Str("fmt_str"))
		} else {
			r.msg = must[string](t)(e.obj.Str("msg"))
		}
		if e.obj.TypeName == "TaggedLogString" {
			r.props = must[map[string]string](t)(must[*transit.Object](t)(e.obj.Obj("properties")).PropertyMap())
		}
		if !slices.Equal(e.tags, []string{"log"}) {
			t.Errorf("log event in a stream tagged %v", e.tags)
		}
		logs = append(logs, r)
	}
	wantLogs := []logRow{
		{"LogStaticStrEvent", "round/trip", "a static message", 3, nil},
		{"LogStringEventV2", "round/fmt", "value=7", 5, nil},
		{"LogStringEventV2", "round/fmt", "ünïcode ✓", 5, nil},
		{"TaggedLogString", "round/tagged", "tagged x", 2, map[string]string{"user": "ada", "region": "eu"}},
	}
	if len(logs) != len(wantLogs) {
		t.Fatalf("logs: got %+v", logs)
	}
	for i, w := range wantLogs {
		g := logs[i]
		if g.typ != w.typ || g.target != w.target || g.msg != w.msg || g.level != w.level || len(g.props) != len(w.props) {
			t.Errorf("log %d: got %+v, want %+v", i, g, w)
		}
		for k, v := range w.props {
			if g.props[k] != v {
				t.Errorf("log %d: property %s=%q, want %q", i, k, g.props[k], v)
			}
		}
	}

	type metricRow struct {
		typ, name, unit string
		value           float64
		tagged          bool
	}
	var metrics []metricRow
	for _, e := range byType(evs, "IntegerMetricEvent", "FloatMetricEvent", "TaggedIntegerMetricEvent", "TaggedFloatMetricEvent") {
		desc := must[*transit.Object](t)(e.obj.Obj("desc"))
		name := must[string](t)(desc.Str("name"))
		if name != "rt_requests" && name != "rt_latency" {
			continue // the telemetry's own metrics
		}
		r := metricRow{typ: e.obj.TypeName, name: name, unit: must[string](t)(desc.Str("unit"))}
		if v, err := e.obj.F64("value"); err == nil {
			r.value = v
		} else {
			r.value = float64(must[uint64](t)(e.obj.U64("value")))
		}
		if ps, err := e.obj.Obj("properties"); err == nil {
			m := must[map[string]string](t)(ps.PropertyMap())
			r.tagged = m["user"] == "ada" && m["region"] == "eu"
		}
		if must[string](t)(desc.Str("target")) == "" {
			t.Errorf("metric %s has no target", name)
		}
		metrics = append(metrics, r)
	}
	wantMetrics := []metricRow{
		{"IntegerMetricEvent", "rt_requests", "count", 42, false},
		{"FloatMetricEvent", "rt_latency", "ms", 2.5, false},
		{"TaggedIntegerMetricEvent", "rt_requests", "count", 43, true},
		{"TaggedFloatMetricEvent", "rt_latency", "ms", 3.5, true},
	}
	if !slices.Equal(metrics, wantMetrics) {
		t.Errorf("metrics:\n got %+v\nwant %+v", metrics, wantMetrics)
	}

	thread := byType(evs, "BeginThreadSpanEvent", "EndThreadSpanEvent")
	var names []string
	var last int64
	for i, e := range thread {
		desc := must[*transit.Object](t)(e.obj.Obj("thread_span_desc"))
		names = append(names, e.obj.TypeName[:3]+":"+must[string](t)(desc.Str("name")))
		if e.stream.Properties["thread-name"] != "worker-1" || e.stream.Properties["role"] != "test" || e.stream.Properties["thread-id"] == "" {
			t.Errorf("track stream properties %v", e.stream.Properties)
		}
		if e.index != int64(i) {
			t.Errorf("span event %d has index %d in its stream", i, e.index)
		}
		tm := must[int64](t)(e.obj.I64("time"))
		if tm < last || tm < p.StartTicks {
			t.Errorf("span times not increasing: %d after %d (start %d)", tm, last, p.StartTicks)
		}
		last = tm
		if must[uint32](t)(desc.U32("line")) == 0 || must[string](t)(desc.Str("file")) == "" {
			t.Errorf("span desc without location: %v", transit.ObjectValue(desc))
		}
	}
	if want := []string{"Beg:outer", "Beg:inner", "End:inner", "End:outer"}; !slices.Equal(names, want) {
		t.Errorf("thread spans %v, want %v", names, want)
	}

	async := byType(evs, "BeginAsyncSpanEvent", "EndAsyncSpanEvent")
	type asyncRow struct {
		typ        string
		id, parent uint64
		depth      uint32
	}
	got := map[asyncRow]bool{}
	for _, e := range async {
		desc := must[*transit.Object](t)(e.obj.Obj("span_desc"))
		if must[string](t)(desc.Str("name")) != "fetch" {
			t.Errorf("async span name %v", transit.ObjectValue(desc))
		}
		got[asyncRow{e.obj.TypeName, must[uint64](t)(e.obj.U64("span_id")), must[uint64](t)(e.obj.U64("parent_span_id")), must[uint32](t)(e.obj.U32("depth"))}] = true
	}
	for _, w := range []asyncRow{
		{"BeginAsyncSpanEvent", root.ID(), 0, 0}, {"EndAsyncSpanEvent", root.ID(), 0, 0},
		{"BeginAsyncSpanEvent", child.ID(), root.ID(), 1}, {"EndAsyncSpanEvent", child.ID(), root.ID(), 1},
	} {
		if !got[w] {
			t.Errorf("missing async event %+v in %v", w, got)
		}
	}
	if root.ID() == 0 || child.ID() == root.ID() {
		t.Errorf("span ids %d %d", root.ID(), child.ID())
	}
}

func TestParseLevel(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Level
		ok   bool
	}{
		{"info", LevelInfo, true}, {"WARNING", LevelWarn, true}, {"warn", LevelWarn, true},
		{"trace", LevelTrace, true}, {"off", LevelOff, true}, {"loud", 0, false},
	} {
		got, err := ParseLevel(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestParseProperties(t *testing.T) {
	got := parseProperties("a=1, b = two ,bad,=x,c=")
	want := map[string]string{"a": "1", "b": "two", "c": ""}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
}
