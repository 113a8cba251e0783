package telemetry

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// BenchmarkRuntimeMetrics measures one collection of the runtime
// metrics: ours (read runtime/metrics, record 28 metrics) against the
// Prometheus Go collector gathered by a registry (what a scrape costs
// before encoding), in the same run. At the default period of a second,
// the CPU per second of wall time is the ns/op.
//
//	go test -run '^$' -bench RuntimeMetrics -benchmem ./telemetry/
func BenchmarkRuntimeMetrics(b *testing.B) {
	b.Run("impl=micromegas", func(b *testing.B) {
		startBench(b)
		sys := active.Load()
		r := newRuntimeReader()
		r.collect(sys)
		b.ResetTimer()
		for b.Loop() {
			r.collect(sys)
		}
	})
	b.Run("impl=prometheus", func(b *testing.B) {
		reg := prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector())
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := reg.Gather(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
