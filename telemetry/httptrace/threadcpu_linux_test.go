package httptrace

import (
	"runtime"
	"testing"

	"github.com/micromegas-go/micromegas/internal/cputime"
)

// BenchmarkServerThreadCPU is BenchmarkServer on one goroutine locked to
// its thread, reporting that thread's CPU time per request (cpu-ns/op):
// unlike wall time, it does not count the time other processes take the
// core, so it stays comparable on a loaded machine. Work the middlewares
// leave to other goroutines (our dispatcher, the OpenTelemetry batch
// processor) is not counted, as in BenchmarkServer.
//
//	go test -run '^$' -bench ServerThreadCPU -benchmem -count 5 ./telemetry/httptrace/
func BenchmarkServerThreadCPU(b *testing.B) {
	for _, impl := range serverImpls {
		b.Run("impl="+impl, func(b *testing.B) {
			h := benchServer(b, impl)
			req, w := benchRequest()
			b.ReportAllocs()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ResetTimer()
			t0 := cputime.Thread()
			for range b.N {
				h.ServeHTTP(w, req)
			}
			b.ReportMetric(float64(cputime.Thread()-t0)/float64(b.N), "cpu-ns/op")
		})
	}
}
