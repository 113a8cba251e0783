package telemetry

import (
	"math"
	"runtime/metrics"
	"sync"
	"time"
)

// DefaultRuntimeMetricsPeriod is how often the Go runtime's metrics are
// read when Config.RuntimeMetricsPeriod is zero and
// MICROMEGAS_RUNTIME_METRICS is unset.
const DefaultRuntimeMetricsPeriod = time.Second

// RuntimeMetricsOff, as Config.RuntimeMetricsPeriod, turns the runtime
// metrics off.
const RuntimeMetricsOff time.Duration = -1

// runtimeTarget is the target of the runtime metrics.
const runtimeTarget = "go/runtime"

// rmKind says how a runtime/metrics sample becomes telemetry metrics.
type rmKind uint8

const (
	rmGauge     rmKind = iota // the value as read
	rmDelta                   // a cumulative value: what it grew by during the period
	rmHistogram               // a cumulative histogram: count, p50, p99 and max of the period
)

// runtimeSource maps one runtime/metrics sample to the metric(s) it
// becomes; docs/sql.md lists them.
type runtimeSource struct {
	sample string // runtime/metrics name
	name   string
	unit   string
	kind   rmKind
}

// runtimeSources are the runtime metrics recorded, in the order of
// docs/sql.md. Samples the running Go version does not know are left out.
var runtimeSources = []runtimeSource{
	{"/gc/heap/live:bytes", "go_heap_live", "bytes", rmGauge},
	{"/gc/heap/objects:objects", "go_heap_objects", "objects", rmGauge},
	{"/gc/heap/goal:bytes", "go_heap_goal", "bytes", rmGauge},
	{"/gc/heap/allocs:bytes", "go_heap_allocated", "bytes", rmDelta},
	{"/gc/heap/allocs:objects", "go_heap_allocs", "objects", rmDelta},
	{"/memory/classes/total:bytes", "go_memory_total", "bytes", rmGauge},
	{"/gc/gomemlimit:bytes", "go_memory_limit", "bytes", rmGauge},
	{"/gc/cycles/total:gc-cycles", "go_gc_cycles", "count", rmDelta},
	{"/sched/pauses/total/gc:seconds", "go_gc_pause", "seconds", rmHistogram},
	{"/sched/goroutines:goroutines", "go_goroutines", "goroutines", rmGauge},
	{"/sched/goroutines/runnable:goroutines", "go_goroutines_runnable", "goroutines", rmGauge},
	{"/sched/goroutines/waiting:goroutines", "go_goroutines_waiting", "goroutines", rmGauge},
	{"/sched/goroutines-created:goroutines", "go_goroutines_created", "goroutines", rmDelta},
	{"/sched/threads/total:threads", "go_threads", "threads", rmGauge},
	{"/sched/gomaxprocs:threads", "go_gomaxprocs", "threads", rmGauge},
	{"/sched/latencies:seconds", "go_sched_latency", "seconds", rmHistogram},
	{"/cpu/classes/user:cpu-seconds", "go_cpu_user", "seconds", rmDelta},
	{"/cpu/classes/gc/total:cpu-seconds", "go_cpu_gc", "seconds", rmDelta},
	{"/cpu/classes/scavenge/total:cpu-seconds", "go_cpu_scavenge", "seconds", rmDelta},
	{"/cpu/classes/idle:cpu-seconds", "go_cpu_idle", "seconds", rmDelta},
	{"/cpu/classes/total:cpu-seconds", "go_cpu_total", "seconds", rmDelta},
	{"/sync/mutex/wait/total:seconds", "go_mutex_wait", "seconds", rmDelta},
}

// histogramQuantiles are the quantiles recorded for each histogram, with
// the suffix of their metric.
var histogramQuantiles = []struct {
	q      float64
	suffix string
}{{0.5, "_p50"}, {0.99, "_p99"}, {1, "_max"}}

// runtimeMetric is a source the running Go version knows, with its
// registered metrics.
type runtimeMetric struct {
	runtimeSource
	value *Metric   // gauges and deltas
	count *Metric   // histograms: the number of values of the period
	quant []*Metric // histograms: one per histogramQuantiles
}

var (
	runtimeMetricsOnce sync.Once
	runtimeMetricList  []runtimeMetric
)

// runtimeMetricDefs registers the runtime metrics once per process.
func runtimeMetricDefs() []runtimeMetric {
	runtimeMetricsOnce.Do(func() {
		known := map[string]bool{}
		for _, d := range metrics.All() {
			known[d.Name] = true
		}
		for _, src := range runtimeSources {
			if !known[src.sample] {
				continue
			}
			m := runtimeMetric{runtimeSource: src}
			if src.kind == rmHistogram {
				m.count = NewMetricTarget(runtimeTarget, src.name+"_count", "count", "", 0)
				for _, q := range histogramQuantiles {
					m.quant = append(m.quant, NewMetricTarget(runtimeTarget, src.name+q.suffix, src.unit, "", 0))
				}
			} else {
				m.value = NewMetricTarget(runtimeTarget, src.name, src.unit, "", 0)
			}
			runtimeMetricList = append(runtimeMetricList, m)
		}
	})
	return runtimeMetricList
}

// runtimeReader reads the runtime metrics and records them. Its buffers
// are reused between reads: a read allocates nothing once the histograms
// have their buckets.
type runtimeReader struct {
	defs    []runtimeMetric
	samples []metrics.Sample
	prev    []float64  // deltas: the previous cumulative value
	prevH   [][]uint64 // histograms: the previous bucket counts
	delta   []uint64   // scratch: a histogram's counts of the period
	started bool       // prev holds a reading
}

func newRuntimeReader() *runtimeReader {
	r := &runtimeReader{defs: runtimeMetricDefs()}
	r.samples = make([]metrics.Sample, len(r.defs))
	r.prev = make([]float64, len(r.defs))
	r.prevH = make([][]uint64, len(r.defs))
	for i, d := range r.defs {
		r.samples[i].Name = d.sample
	}
	return r
}

// collect reads the runtime metrics and records them into sys. The first
// call only takes the starting point of deltas and histograms.
func (r *runtimeReader) collect(sys *system) {
	metrics.Read(r.samples)
	for i := range r.samples {
		d := &r.defs[i]
		v := r.samples[i].Value
		switch d.kind {
		case rmGauge:
			switch v.Kind() {
			case metrics.KindUint64:
				d.value.write(sys, integerMetricEvent, nil, v.Uint64())
			case metrics.KindFloat64:
				d.value.write(sys, floatMetricEvent, nil, f64bits(v.Float64()))
			}
		case rmDelta:
			var cur float64
			switch v.Kind() {
			case metrics.KindUint64:
				cur = float64(v.Uint64())
			case metrics.KindFloat64:
				cur = v.Float64()
			default:
				continue
			}
			if r.started {
				if v.Kind() == metrics.KindUint64 {
					d.value.write(sys, integerMetricEvent, nil, uint64(max(cur-r.prev[i], 0)))
				} else {
					d.value.write(sys, floatMetricEvent, nil, f64bits(max(cur-r.prev[i], 0)))
				}
			}
			r.prev[i] = cur
		case rmHistogram:
			if v.Kind() == metrics.KindFloat64Histogram {
				r.histogram(sys, i, v.Float64Histogram())
			}
		}
	}
	r.started = true
}

// histogram records the count and quantiles of the values a cumulative
// histogram gained since the previous read.
func (r *runtimeReader) histogram(sys *system, i int, h *metrics.Float64Histogram) {
	d := &r.defs[i]
	prev := r.prevH[i]
	if len(prev) != len(h.Counts) {
		r.prevH[i] = append(prev[:0], h.Counts...)
		return
	}
	r.delta = r.delta[:0]
	var total uint64
	for j, c := range h.Counts {
		n := c - prev[j]
		r.delta = append(r.delta, n)
		total += n
		prev[j] = c
	}
	if !r.started {
		return
	}
	d.count.write(sys, integerMetricEvent, nil, total)
	if total == 0 {
		return
	}
	for k, q := range histogramQuantiles {
		d.quant[k].write(sys, floatMetricEvent, nil, f64bits(histogramQuantile(r.delta, h.Buckets, total, q.q)))
	}
}

// histogramQuantile returns the value at quantile q of the counts of a
// runtime histogram (bucket j holds [buckets[j], buckets[j+1])): the
// upper bound of the bucket holding the value of rank ceil(q*total), or
// its lower bound when the upper one is infinite. The runtime's time
// histograms have buckets about 6% wide, the error of this estimate.
func histogramQuantile(counts []uint64, buckets []float64, total uint64, q float64) float64 {
	rank := uint64(math.Ceil(q * float64(total)))
	rank = max(rank, 1)
	var seen uint64
	for j, c := range counts {
		seen += c
		if seen >= rank {
			hi := buckets[j+1]
			if math.IsInf(hi, 1) {
				return buckets[j]
			}
			return hi
		}
	}
	return buckets[len(buckets)-1]
}

// runRuntimeMetrics records the runtime metrics every period until stop.
func (sys *system) runRuntimeMetrics(period time.Duration) {
	defer sys.helpers.Done()
	r := newRuntimeReader()
	r.collect(sys)
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			r.collect(sys)
		case <-sys.stop:
			return
		}
	}
}
