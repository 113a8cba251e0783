//go:build !race

// The race detector changes allocation (sync.Pool drops items on purpose),
// so these pins run in normal builds only.

package telemetry

import (
	"errors"
	"testing"
)

var errFixed = errors.New("fixed")

var (
	allocStatic = NewLogSite(LevelInfo, "allocs", "static")
	allocFmt    = NewLogSite(LevelInfo, "allocs", "value=%d")
	allocFmt3   = NewLogSite(LevelInfo, "allocs", "%s took %.2f ms: %v")
	allocFmtFmt = NewLogSite(LevelInfo, "allocs", "value=%+d") // fmt, not the plan
	allocOff    = NewLogSite(LevelTrace, "allocs", "disabled")
	allocMetric = NewMetric("allocs", "count")
	allocSpan   = NewSpan("allocs")
)

// TestHotPathsDoNotAllocate pins 0 allocations per event on the hot
// paths, measured with telemetry running.
func TestHotPathsDoNotAllocate(t *testing.T) {
	c := newCollector(t)
	startTelemetry(t, Config{URL: c.url(), EnableCPUTracing: true})
	props := NewPropertySet(Property{"k1", "v1"}, Property{"k2", "v2"})
	track := NewTrack("allocs", nil)
	defer track.Close()
	ids := TraceIDs{TraceID: [16]byte{1, 2, 3}, SpanID: [8]byte{4}, ParentSpanID: [8]byte{5}}
	var n int // values not known at compile time, which box on the heap when they escape
	name, err := "request", error(errFixed)
	for _, c := range []struct {
		name string
		fn   func()
	}{
		{"static log", func() { allocStatic.Log() }},
		{"formatted log, small int", func() { allocFmt.Logf(7) }},
		{"formatted log, large int", func() { n += 1000; allocFmt.Logf(n) }},
		{"formatted log, string, float and error", func() { n++; allocFmt3.Logf(name, float64(n), err) }},
		{"formatted log, fmt fallback", func() { n += 1000; allocFmtFmt.Logf(n) }},
		{"formatted log with properties", func() { n += 1000; allocFmt.LogfWith(props, n) }},
		{"structured log", func() { allocStatic.LogWith(props) }},
		{"disabled log", func() { allocOff.Log() }},
		{"integer metric", func() { allocMetric.RecordInt(42) }},
		{"float metric", func() { allocMetric.RecordFloat(4.2) }},
		{"tagged metric", func() { allocMetric.RecordFloatWith(props, 4.2) }},
		{"thread span", func() { track.Begin(allocSpan); track.End(allocSpan) }},
		{"async span", func() { allocSpan.BeginAsync(AsyncSpan{}).End() }},
		{"async span with trace ids", func() { allocSpan.BeginAsyncTraced(AsyncSpan{}, ids).End() }},
		{"pending span finished with trace ids", func() { BeginPending(AsyncSpan{}).FinishTraced(allocSpan, ids) }},
		{"pending span finished with a status", func() {
			BeginPending(AsyncSpan{}).FinishStatus(allocSpan, ids, SpanStatus{Code: 200, RequestBytes: -1, ResponseBytes: 42})
		}},
		{"async span ended with a status", func() { allocSpan.BeginAsync(AsyncSpan{}).EndStatus(SpanStatus{Code: 3}) }},
	} {
		if n := testing.AllocsPerRun(20000, c.fn); n != 0 {
			t.Errorf("%s: %v allocations per event, want 0", c.name, n)
		}
	}
}
