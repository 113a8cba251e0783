package lakehouse

import (
	"math/rand/v2"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/micromegas-go/micromegas/internal/otlp"
)

// benchBounds are the OpenTelemetry SDKs' default explicit bounds.
var benchBounds = []float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}

// benchHistSeries are the histogram series of one export of a process:
// one explicit and one exponential histogram per route and status.
var benchHistSeries = func() []pcommon.Map {
	var out []pcommon.Map
	for _, route := range spanRoutes {
		for _, status := range []int64{200, 404, 500} {
			m := pcommon.NewMap()
			m.PutStr("http.route", route)
			m.PutInt("http.response.status_code", status)
			out = append(out, m)
		}
	}
	return out
}()

// benchExpBuckets is the width of the exponential histograms' positive
// buckets (scale 3: sizes from 2^4 to 2^9.75).
const benchExpBuckets = 48

// metricsExport keeps the totals of the histograms of one process, so
// that successive exports are cumulative (or deltas).
type metricsExport struct {
	start    pcommon.Timestamp
	explicit [][]uint64 // per series, per bucket
	exp      [][]uint64
	sums     []float64
	expSums  []float64
}

func newMetricsExport(start time.Time) *metricsExport {
	e := &metricsExport{start: pcommon.NewTimestampFromTime(start)}
	for range benchHistSeries {
		e.explicit = append(e.explicit, make([]uint64, len(benchBounds)+1))
		e.exp = append(e.exp, make([]uint64, benchExpBuckets))
	}
	e.sums = make([]float64, len(benchHistSeries))
	e.expSums = make([]float64, len(benchHistSeries))
	return e
}

// request records perSeries random values in every series and returns
// the export at time at: totals since the start when cumulative, else
// the values of this export only.
func (e *metricsExport) request(rng *rand.Rand, service string, instance, perSeries int, at time.Time, cumulative bool) pmetricotlp.ExportRequest {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	benchResource(rm.Resource(), service, instance)
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp")
	ms := sm.Metrics()
	temporality := pmetric.AggregationTemporalityDelta
	if cumulative {
		temporality = pmetric.AggregationTemporalityCumulative
	}
	dur := ms.AppendEmpty()
	dur.SetName("http.server.request.duration")
	dur.SetUnit("ms")
	dh := dur.SetEmptyHistogram()
	dh.SetAggregationTemporality(temporality)
	size := ms.AppendEmpty()
	size.SetName("http.server.response.body.size")
	size.SetUnit("By")
	sh := size.SetEmptyExponentialHistogram()
	sh.SetAggregationTemporality(temporality)
	now := pcommon.NewTimestampFromTime(at)
	for i, attrs := range benchHistSeries {
		counts := make([]uint64, len(benchBounds)+1)
		exp := make([]uint64, benchExpBuckets)
		var sum, expSum float64
		for range perSeries {
			v := rng.ExpFloat64() * 80
			j := 0
			for j < len(benchBounds) && v > benchBounds[j] {
				j++
			}
			counts[j]++
			sum += v
			k := rng.IntN(benchExpBuckets)
			exp[k]++
			expSum += float64(int(16) << (k / 8))
		}
		start := e.start
		if cumulative {
			for j := range counts {
				e.explicit[i][j] += counts[j]
			}
			for k := range exp {
				e.exp[i][k] += exp[k]
			}
			e.sums[i] += sum
			e.expSums[i] += expSum
			counts, exp, sum, expSum = e.explicit[i], e.exp[i], e.sums[i], e.expSums[i]
		} else {
			e.start = now
		}
		var n, expN uint64
		for _, c := range counts {
			n += c
		}
		for _, c := range exp {
			expN += c
		}
		p := dh.DataPoints().AppendEmpty()
		attrs.CopyTo(p.Attributes())
		p.SetStartTimestamp(start)
		p.SetTimestamp(now)
		p.ExplicitBounds().FromRaw(benchBounds)
		p.BucketCounts().FromRaw(counts)
		p.SetCount(n)
		p.SetSum(sum)
		q := sh.DataPoints().AppendEmpty()
		attrs.CopyTo(q.Attributes())
		q.SetStartTimestamp(start)
		q.SetTimestamp(now)
		q.SetScale(3)
		q.Positive().SetOffset(32)
		q.Positive().BucketCounts().FromRaw(exp)
		q.SetCount(expN)
		q.SetSum(expSum)
	}
	return pmetricotlp.NewExportRequestFromMetrics(md)
}

// genOTLPMetrics sends n histogram points (rounded up to whole exports)
// through a receiver into tl: exports of 2 histograms per route and
// status (benchHistSeries) of 8 processes in turn, each point 20 new
// values, their times spread evenly over span from start, cumulative
// (the SDKs' default) or delta.
func genOTLPMetrics(b testing.TB, tl *testLake, n int, start time.Time, span time.Duration, cumulative bool) {
	r, err := otlp.New(otlp.Options{Catalog: tl.store, Blobs: tl.blobs})
	if err != nil {
		b.Fatal(err)
	}
	h := r.Handler(otlp.Metrics)
	rng := rand.New(rand.NewPCG(1, 2))
	perExport := 2 * len(benchHistSeries)
	reqs := (n + perExport - 1) / perExport
	step := span / time.Duration(reqs)
	const processes = 8
	exports := map[int]*metricsExport{}
	for i := range reqs {
		at := start.Add(time.Duration(i) * step)
		inst := i % processes
		svc := services[inst%len(services)]
		e := exports[inst]
		if e == nil {
			e = newMetricsExport(at.Add(-time.Second))
			exports[inst] = e
		}
		body, err := e.request(rng, svc, inst, 20, at, cumulative).MarshalProto()
		if err != nil {
			b.Fatal(err)
		}
		// The blocks keep their real insert times: the look-back of
		// cumulative points queries the catalog (the test store's
		// SetInsertTime would filter every block of the stream in Go).
		if err := postOTLP(h, otlp.Metrics, body); err != nil {
			b.Fatal(err)
		}
	}
}
