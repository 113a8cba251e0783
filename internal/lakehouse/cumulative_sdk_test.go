package lakehouse

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/otlp"
)

// sdkRounds are the values recorded before each export: latency (an
// explicit histogram, the SDK's default bounds) and size (exponential).
// Round 3 records nothing. Over all rounds, latency has 10 values in
// (0, 5], 45 in (10, 25], 30 in (100, 250] and 15 in (500, 750]; size
// 10 × 10, 20 × 100, 30 × 1000 and 40 × 10000.
var sdkRounds = []struct {
	latency []float64
	size    []float64
}{
	{latency: valuesOf(45, func(i int) float64 { return float64(12 + i%9) }), size: valuesOf(10, func(int) float64 { return 10 })},
	{latency: valuesOf(30, func(i int) float64 { return float64(120 + 2*i) }), size: valuesOf(20, func(int) float64 { return 100 })},
	{latency: valuesOf(15, func(i int) float64 { return float64(600 + 5*i) }), size: valuesOf(30, func(int) float64 { return 1000 })},
	{},
	{latency: valuesOf(10, func(i int) float64 { return float64(1 + i%4) }), size: valuesOf(40, func(int) float64 { return 10000 })},
}

func valuesOf(n int, f func(int) float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// sdkMeter is a meter provider of the OpenTelemetry SDK exporting
// OTLP/HTTP to endpoint on ForceFlush, cumulative (its default) or
// delta.
type sdkMeter struct {
	mp            *sdkmetric.MeterProvider
	latency, size metric.Float64Histogram
}

func newSDKMeter(t *testing.T, endpoint, service string, delta bool) *sdkMeter {
	t.Helper()
	ctx := context.Background()
	opts := []otlpmetrichttp.Option{otlpmetrichttp.WithEndpoint(endpoint), otlpmetrichttp.WithInsecure()}
	if delta {
		opts = append(opts, otlpmetrichttp.WithTemporalitySelector(deltaTemporality))
	}
	exp, err := otlpmetrichttp.New(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Hour))),
		sdkmetric.WithResource(resource.NewSchemaless(attribute.String("service.name", service))),
		sdkmetric.WithView(sdkmetric.NewView(sdkmetric.Instrument{Name: "size"},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}})),
	)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		mp.Shutdown(ctx)
	})
	m := mp.Meter("sdk-test")
	s := &sdkMeter{mp: mp}
	if s.latency, err = m.Float64Histogram("latency", metric.WithUnit("ms")); err != nil {
		t.Fatal(err)
	}
	if s.size, err = m.Float64Histogram("size", metric.WithUnit("By")); err != nil {
		t.Fatal(err)
	}
	return s
}

func deltaTemporality(sdkmetric.InstrumentKind) metricdata.Temporality {
	return metricdata.DeltaTemporality
}

// TestCumulativeHistogramsFromSDK sends the same values through the
// OpenTelemetry SDK's OTLP/HTTP exporter with its default cumulative
// temporality and with delta temporality, export after export, to a
// receiver on a real server; the requests are replayed into other lakes
// whose measure_stats partitions are cut differently. Every lake gives
// the same measure_stats, and the cumulative process the count, sum and
// quantiles of the delta one (the values of each bucket counted once).
func TestCumulativeHistogramsFromSDK(t *testing.T) {
	ctx := context.Background()
	lakes := make([]*testLake, 5)
	for i := range lakes {
		lakes[i] = newTestLake(t)
	}
	r, err := otlp.New(otlp.Options{Catalog: lakes[0].store, Blobs: lakes[0].blobs})
	if err != nil {
		t.Fatal(err)
	}
	receiver := r.Handler(otlp.Metrics)
	var mu sync.Mutex
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		bodies = append(bodies, body)
		mu.Unlock()
		req.Body = io.NopCloser(bytes.NewReader(body))
		receiver.ServeHTTP(w, req)
	}))
	defer srv.Close()
	endpoint := srv.Listener.Addr().String()
	cum := newSDKMeter(t, endpoint, "cumulative-svc", false)
	del := newSDKMeter(t, endpoint, "delta-svc", true)

	// One export of both every minute of insert time from base; the
	// SDK's start time (now) is recent for the first one.
	base := time.Now().UTC().Truncate(time.Minute).Add(time.Minute)
	route := metric.WithAttributes(attribute.String("route", "/orders"))
	sent := 0
	for k, round := range sdkRounds {
		for _, m := range []*sdkMeter{cum, del} {
			for _, v := range round.latency {
				m.latency.Record(ctx, v, route)
			}
			for _, v := range round.size {
				m.size.Record(ctx, v)
			}
			if err := m.mp.ForceFlush(ctx); err != nil {
				t.Fatal(err)
			}
		}
		at := base.Add(time.Duration(k) * time.Minute)
		setInsertTimes(t, lakes[0], at)
		mu.Lock()
		for _, body := range bodies[sent:] {
			for _, tl := range lakes[1:] {
				sendOTLP(t, tl, otlp.Metrics, body, at)
			}
		}
		sent = len(bodies)
		mu.Unlock()
	}
	if sent < len(sdkRounds)+1 {
		t.Fatalf("%d exports, want at least %d", sent, len(sdkRounds)+1)
	}

	// lakes[0]: no partition, one conversion of every block at query
	// time; 1: a partition per export; 2: partitions of two minutes, cut
	// between the exports 1 and 2, 3 and 4; 3: a partition per export,
	// each made with no state kept (the look-back reads the catalog); 4:
	// one partition of an hour.
	begin, end := base.Add(-time.Minute), base.Add(10*time.Minute)
	materialize := func(tl *testLake, b, e time.Time, d time.Duration) {
		t.Helper()
		if _, err := tl.MaterializeRange(ctx, MeasureStatsView, b, e, d); err != nil {
			t.Fatal(err)
		}
	}
	materialize(lakes[1], begin, end, time.Minute)
	materialize(lakes[2], begin, end, 2*time.Minute)
	for s := begin; s.Before(end); s = s.Add(time.Minute) {
		lakes[3].cumulative = cumulativeStates{}
		materialize(lakes[3], s, s.Add(time.Minute), time.Minute)
	}
	materialize(lakes[4], base.Truncate(time.Hour), base.Truncate(time.Hour).Add(2*time.Hour), time.Hour)
	for i, tl := range lakes[1:] {
		if n := len(tl.partitions(t, MeasureStatsView, GlobalInstance)); n == 0 {
			t.Fatalf("lake %d: no measure_stats partition", i+1)
		}
	}

	const sql = `SELECT p.exe, s.name, sum(s."count"), round(sum(s."sum"), 3), min(s."min"), max(s."max"),
		quantile_from_sketch(sum_sketches(s.sketch), 0.2), quantile_from_sketch(sum_sketches(s.sketch), 0.5),
		quantile_from_sketch(sum_sketches(s.sketch), 0.7), quantile_from_sketch(sum_sketches(s.sketch), 0.99)
		FROM measure_stats s JOIN processes p USING (process_id)
		WHERE s.name IN ('latency', 'size') GROUP BY p.exe, s.name ORDER BY s.name, p.exe`
	want := lakes[0].rows(t, sql, QueryOptions{})
	t.Logf("measure_stats:\n%s", strings.Join(want, "\n"))
	for i, tl := range lakes[1:] {
		if got := tl.rows(t, sql, QueryOptions{}); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("lake %d (partitions cut otherwise):\n%s\nwant (lake 0)\n%s", i+1, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	if len(want) != 4 {
		t.Fatalf("measure_stats of latency and size:\n%s\nwant a row per process and histogram", strings.Join(want, "\n"))
	}
	// latency: the same sketch from both temporalities (the deltas have
	// the bucket counts of the delta exports, and their min and max where
	// they are new); its quantiles in the buckets of the values.
	cumLatency, delLatency := strings.TrimPrefix(want[0], "cumulative-svc"), strings.TrimPrefix(want[1], "delta-svc")
	if cumLatency != delLatency {
		t.Errorf("latency, cumulative%s\nwant as delta%s", cumLatency, delLatency)
	}
	checkSDKQuantiles(t, want[0], 100, [][2]float64{{10, 25}, {10, 25}, {100, 250}, {500, 750}}, 0)
	checkSDKQuantiles(t, want[1], 100, [][2]float64{{10, 25}, {10, 25}, {100, 250}, {500, 750}}, 0)
	// size: its exponential buckets have the scale of each export (delta)
	// or of the whole series (cumulative): quantiles within a bucket.
	for _, row := range want[2:] {
		checkSDKQuantiles(t, row, 100, [][2]float64{{100, 100}, {1000, 1000}, {10000, 10000}, {10000, 10000}}, 0.05)
	}
}

// setInsertTimes gives the blocks of tl without one set the insert time
// at.
func setInsertTimes(t *testing.T, tl *testLake, at time.Time) {
	t.Helper()
	for _, b := range must[[]catalog.Block](t)(tl.store.ListBlocks(context.Background(), catalog.BlockFilter{})) {
		if b.InsertTime.After(at) {
			tl.store.SetInsertTime(b.BlockID, at)
		}
	}
}

// checkSDKQuantiles checks a row of TestCumulativeHistogramsFromSDK's
// query: its count, and its quantiles 0.2, 0.5, 0.7 and 0.99 within
// their ranges (widened by tol).
func checkSDKQuantiles(t *testing.T, row string, count int, ranges [][2]float64, tol float64) {
	t.Helper()
	cells := strings.Split(row, " | ")
	if cells[2] != strconv.Itoa(count) {
		t.Errorf("%s: count %s, want %d", row, cells[2], count)
	}
	for i, r := range ranges {
		q, err := strconv.ParseFloat(cells[6+i], 64)
		if err != nil || q < r[0]*(1-tol)-1e-9 || q > r[1]*(1+tol)+1e-9 || math.IsNaN(q) {
			t.Errorf("%s: quantile %d = %s, want in [%g, %g] ± %g%%", row, i, cells[6+i], r[0], r[1], tol*100)
		}
	}
}
