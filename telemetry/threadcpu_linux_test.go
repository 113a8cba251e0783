package telemetry

import (
	"runtime"
	"testing"

	"github.com/micromegas-go/micromegas/internal/cputime"
)

// BenchmarkThreadCPU measures the calling goroutine's own CPU time per
// event (the goroutine locked to its thread): unlike wall time, it does
// not count the time other processes take the core, so it stays
// comparable on a loaded machine. One goroutine; blocks discarded.
//
//	go test -run '^$' -bench ThreadCPU -count 5 ./telemetry/
func BenchmarkThreadCPU(b *testing.B) {
	cases := []struct {
		name string
		f    func(i int)
	}{
		{"static_log", func(int) { benchStatic.Log() }},
		{"formatted_log_int", func(i int) { benchFmt.Logf(i) }},
		{"int_metric", func(i int) { benchInt.RecordInt(uint64(i)) }},
		{"async_span_begin_end", func(int) { benchSpan.BeginAsync(AsyncSpan{}).End() }},
		{"async_span_traced_begin_end", func(int) { benchSpan.BeginAsyncTraced(AsyncSpan{}, benchTraceIDs).End() }},
		{"pending_span_finish", func(int) { BeginPending(AsyncSpan{}).Finish(benchSpan) }},
		{"pending_span_finish_traced", func(int) { BeginPending(AsyncSpan{}).FinishTraced(benchSpan, benchTraceIDs) }},
		{"pending_span_finish_status", func(i int) {
			BeginPending(AsyncSpan{}).FinishStatus(benchSpan, benchTraceIDs, SpanStatus{Code: 200, RequestBytes: -1, ResponseBytes: int64(i)})
		}},
		{"async_span_traced_end_status", func(int) {
			benchSpan.BeginAsyncTraced(AsyncSpan{}, benchTraceIDs).EndStatus(SpanStatus{Code: 0, RequestBytes: 4, ResponseBytes: 2})
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			startBench(b)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			t0 := cputime.Thread()
			for i := range b.N {
				c.f(i)
			}
			b.ReportMetric(float64(cputime.Thread()-t0)/float64(b.N), "cpu-ns/op")
		})
	}
}
