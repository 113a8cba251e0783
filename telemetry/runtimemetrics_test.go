package telemetry

import (
	"math"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// metricValues returns the values received per metric name of target.
func metricValues(c *collector, target string) map[string][]float64 {
	out := map[string][]float64{}
	for _, e := range byType(c.events(), "IntegerMetricEvent", "FloatMetricEvent") {
		desc, err := e.obj.Obj("desc")
		if err != nil {
			continue
		}
		if tg, _ := desc.Str("target"); tg != target {
			continue
		}
		name, _ := desc.Str("name")
		var v float64
		if u, err := e.obj.U64("value"); err == nil {
			v = float64(u)
		} else if f, err := e.obj.F64("value"); err == nil {
			v = f
		}
		out[name] = append(out[name], v)
	}
	return out
}

// TestRuntimeMetrics: the runtime metrics are recorded every period, with
// plausible values, as metrics of target go/runtime.
func TestRuntimeMetrics(t *testing.T) {
	c := newCollector(t)
	g := startTelemetry(t, Config{URL: c.url(), RuntimeMetricsPeriod: 20 * time.Millisecond})
	done := make(chan struct{})
	var keep atomic.Pointer[[]byte] // the allocations escape
	for range 4 {                   // garbage, goroutines and a GC or two
		go func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				b := make([]byte, 64<<10)
				keep.Store(&b)
				if i%64 == 0 {
					runtime.GC()
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	close(done)
	shutdown(t, g)
	got := metricValues(c, runtimeTarget)
	for _, c := range []struct {
		name  string
		check func(vs []float64) bool
	}{
		{"go_heap_live", func(vs []float64) bool { return vs[len(vs)-1] > 0 }},
		{"go_heap_goal", func(vs []float64) bool { return vs[len(vs)-1] > 0 }},
		{"go_heap_objects", func(vs []float64) bool { return vs[len(vs)-1] > 0 }},
		{"go_heap_allocated", func(vs []float64) bool { return sum(vs) > 64<<10 }},
		{"go_memory_total", func(vs []float64) bool { return vs[0] > 0 }},
		{"go_memory_limit", func(vs []float64) bool { return vs[0] > 0 }},
		{"go_gc_cycles", func(vs []float64) bool { return sum(vs) >= 1 }},
		{"go_gc_pause_count", func(vs []float64) bool { return sum(vs) >= 1 }},
		{"go_gc_pause_max", func(vs []float64) bool { return vs[0] > 0 && vs[0] < 1 }},
		{"go_goroutines", func(vs []float64) bool { return vs[0] >= 5 }},
		{"go_gomaxprocs", func(vs []float64) bool { return vs[0] == float64(runtime.GOMAXPROCS(0)) }},
		{"go_sched_latency_count", func(vs []float64) bool { return sum(vs) >= 1 }},
		{"go_sched_latency_p99", func(vs []float64) bool { return vs[0] >= 0 && vs[0] < 1 }},
		{"go_cpu_user", func(vs []float64) bool { return sum(vs) > 0 }},
		{"go_cpu_total", func(vs []float64) bool { return sum(vs) > 0 }},
		{"go_cpu_gc", func(vs []float64) bool { return sum(vs) > 0 }},
		{"go_mutex_wait", func(vs []float64) bool { return sum(vs) >= 0 }},
	} {
		vs := got[c.name]
		if len(vs) < 3 {
			t.Errorf("%s: %d values in 300 ms at a 20 ms period", c.name, len(vs))
			continue
		}
		if !c.check(vs) {
			t.Errorf("%s: implausible values %v", c.name, vs)
		}
	}
	// Quantiles of one period are ordered.
	p50, p99, mx := got["go_sched_latency_p50"], got["go_sched_latency_p99"], got["go_sched_latency_max"]
	for i := range min(len(p50), len(p99), len(mx)) {
		if p50[i] > p99[i] || p99[i] > mx[i] {
			t.Errorf("period %d: p50 %g, p99 %g, max %g out of order", i, p50[i], p99[i], mx[i])
		}
	}
}

func sum(vs []float64) float64 {
	s := 0.0
	for _, v := range vs {
		s += v
	}
	return s
}

// TestRuntimeMetricsOff: MICROMEGAS_RUNTIME_METRICS=off records none.
func TestRuntimeMetricsOff(t *testing.T) {
	t.Setenv(EnvRuntimeMetrics, "off")
	c := newCollector(t)
	g := startTelemetry(t, Config{URL: c.url()})
	time.Sleep(50 * time.Millisecond)
	shutdown(t, g)
	if got := metricValues(c, runtimeTarget); len(got) != 0 {
		t.Errorf("runtime metrics recorded while off: %v", got)
	}
}

func TestHistogramQuantile(t *testing.T) {
	buckets := []float64{0, 1, 2, 4, math.Inf(1)}
	for _, c := range []struct {
		counts []uint64
		q      float64
		want   float64
	}{
		{[]uint64{10, 0, 0, 0}, 0.5, 1},
		{[]uint64{1, 1, 1, 1}, 0.5, 2},
		{[]uint64{1, 1, 1, 1}, 0.75, 4},
		{[]uint64{1, 1, 1, 1}, 1, 4}, // the last bucket is unbounded: its lower bound
		{[]uint64{98, 1, 1, 0}, 0.99, 2},
		{[]uint64{0, 0, 5, 0}, 0, 4},
	} {
		var total uint64
		for _, n := range c.counts {
			total += n
		}
		if got := histogramQuantile(c.counts, buckets, total, c.q); got != c.want {
			t.Errorf("quantile %g of %v = %g, want %g", c.q, c.counts, got, c.want)
		}
	}
}
