package lakehouse

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

var frameMetric = &lakehousetest.MetricSite{Name: "frame_time", Unit: "ms", Target: "render", File: "f.rs", Line: 9}

// writeMetricValues writes one metrics block of values of site, value i
// at ms[i] milliseconds after the process start, inserted at ins.
func writeMetricValues(t *testing.T, tl *testLake, s *lakehousetest.Stream, ins time.Time, site *lakehousetest.MetricSite, ms []int64, values []float64) {
	t.Helper()
	b := lakehousetest.NewBlock()
	lo, hi := ms[0], ms[0]
	for i := range ms {
		b.FloatMetric(site, ms[i], values[i])
		lo, hi = min(lo, ms[i]), max(hi, ms[i])
	}
	if _, err := tl.w.WriteBlock(context.Background(), s, b, lo, hi, ins); err != nil {
		t.Fatal(err)
	}
}

// TestMeasureStats checks measure_stats against measures (the same
// aggregates computed from every value) while its partitions go from none
// to second slices, a minute merge of equal keys, an hour rebuilt from the
// blocks and a day; and its p99 against the exact one.
func TestMeasureStats(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	h := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	pa := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "a.exe", h, 0, 1000, nil))
	pb := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "b.exe", h, 0, 1000, nil))
	sa := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, pa, lakehousetest.KindMetrics, nil))
	sb := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, pb, lakehousetest.KindMetrics, nil))
	// Blocks of 400 values each over two minutes, two processes, two
	// metrics; values 0.0-99.8 with a tail, so the p99 is not the max.
	series := func(first, n int, scale float64) ([]int64, []float64) {
		ms := make([]int64, n)
		vs := make([]float64, n)
		for i := range n {
			ms[i] = int64((first + i) * 150) // 150 ms apart
			vs[i] = float64((first+i)%500)/5*scale + float64(i%7)
		}
		return ms, vs
	}
	for i, blk := range []struct {
		s     *lakehousetest.Stream
		ins   time.Duration
		site  *lakehousetest.MetricSite
		first int
	}{
		{sa, 200 * time.Millisecond, frameMetric, 0},
		{sa, 1500 * time.Millisecond, frameMetric, 400},
		{sa, 1700 * time.Millisecond, cpuMetric, 0},
		{sb, 61 * time.Second, frameMetric, 100},
		{sa, 130 * time.Second, frameMetric, 200}, // overlaps block 1's minutes, never in second slices
	} {
		ms, vs := series(blk.first, 400, 1+float64(i)/10)
		if i == 1 {
			vs[7] = math.NaN() // left out of measure_stats
		}
		writeMetricValues(t, tl, blk.s, h.Add(blk.ins), blk.site, ms, vs)
	}

	proc := fmt.Sprintf(`CASE process_id WHEN '%s' THEN 'a' WHEN '%s' THEN 'b' END`, pa.ProcessID, pb.ProcessID)
	stats := `SELECT time_bin, ` + proc + `, name, target, unit, "count", round("sum", 6), "min", "max",
		quantile_from_sketch(sketch, 0.5), quantile_from_sketch(sketch, 0.99)
		FROM measure_stats ORDER BY ALL`
	def := `SELECT date_bin(INTERVAL 1 MINUTE, "time") AS time_bin, ` + proc + `, name, target, unit, count(*), round(sum(value), 6), min(value), max(value),
		quantile_from_sketch(make_sketch(value), 0.5), quantile_from_sketch(make_sketch(value), 0.99)
		FROM measures WHERE NOT isnan(value) GROUP BY ALL ORDER BY ALL`
	want := tl.rows(t, def, QueryOptions{})
	if len(want) != 5 { // frame_time: a and b at 10:00 and 10:01; cpu: a at 10:00
		t.Fatalf("measures per minute:\n%s", strings.Join(want, "\n"))
	}
	// The p99 per minute of every process from sketches, against the exact one.
	p99 := `SELECT time_bin, quantile_from_sketch(sum_sketches(sketch), 0.99) FROM measure_stats
		WHERE name = 'frame_time' GROUP BY ALL ORDER BY ALL`
	exact := tl.rows(t, `SELECT date_bin(INTERVAL 1 MINUTE, "time") AS m, quantile_disc(value, 0.99) FROM measures
		WHERE name = 'frame_time' AND NOT isnan(value) GROUP BY ALL ORDER BY ALL`, QueryOptions{})
	ranged := QueryOptions{Begin: h.Add(30 * time.Second), End: h.Add(time.Minute)}
	same := func(step string) {
		t.Helper()
		checkDictionaryFiles(t, tl, MeasureStatsView)
		if got := tl.rows(t, stats, QueryOptions{}); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%s: got\n%s\nwant\n%s", step, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		// A range keeps the bins beginning within it: 10:01 only.
		got := tl.rows(t, stats, ranged)
		if len(got) != 2 || !strings.HasPrefix(got[0], "2026-03-01T10:01:00Z") || !strings.HasPrefix(got[1], "2026-03-01T10:01:00Z") {
			t.Fatalf("%s, with a range: got\n%s", step, strings.Join(got, "\n"))
		}
		approx := tl.rows(t, p99, QueryOptions{})
		if len(approx) != len(exact) {
			t.Fatalf("%s: p99 per minute\n%s\nexact\n%s", step, strings.Join(approx, "\n"), strings.Join(exact, "\n"))
		}
		for i := range approx {
			a, _ := strconv.ParseFloat(approx[i][strings.LastIndex(approx[i], " ")+1:], 64)
			e, _ := strconv.ParseFloat(exact[i][strings.LastIndex(exact[i], " ")+1:], 64)
			if math.Abs(a-e) > e/256 {
				t.Fatalf("%s: p99 %s, exact %s", step, approx[i], exact[i])
			}
		}
	}
	ranges := func() string {
		var out []string
		for _, p := range tl.partitions(t, MeasureStatsView, GlobalInstance) {
			out = append(out, fmt.Sprintf("%s-%s:%d/%d", p.BeginInsertTime.Format("15:04:05"), p.EndInsertTime.Format("15:04:05"), sourceCount(p), p.NumRows))
		}
		return strings.Join(out, " ")
	}

	same("no partition")
	if _, err := tl.MaterializeRange(ctx, MeasureStatsView, h, h.Add(2*time.Minute), time.Second); err != nil {
		t.Fatal(err)
	}
	// Blocks of 400 values 150 ms apart span two minutes each.
	if got := ranges(); got != "10:00:00-10:00:01:1/1 10:00:01-10:00:02:2/2 10:01:01-10:01:02:1/2" {
		t.Fatalf("second partitions: %s", got)
	}
	same("second slices")
	if _, err := tl.MaterializeRange(ctx, MeasureStatsView, h, h.Add(2*time.Minute), time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := ranges(); got != "10:00:00-10:01:00:3/3 10:01:01-10:01:02:1/2" {
		t.Fatalf("minute partitions: %s", got)
	}
	same("minute merge")
	if _, err := tl.MaterializeRange(ctx, MeasureStatsView, h, h.Add(time.Hour), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := ranges(); got != "10:00:00-11:00:00:5/5" {
		t.Fatalf("hour partition: %s", got)
	}
	same("hour rebuilt")
	day := h.Truncate(24 * time.Hour)
	if _, err := tl.MaterializeRange(ctx, MeasureStatsView, day, day.Add(24*time.Hour), 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	same("day check")
	desc, err := tl.Describe(ctx, `SELECT * FROM measure_stats`)
	check(t, err)
	rdr, err := tl.Query(ctx, `SELECT * FROM measure_stats`, QueryOptions{})
	check(t, err)
	defer rdr.Release()
	if !desc.Equal(rdr.Schema()) {
		t.Fatalf("described schema %s, query schema %s", desc, rdr.Schema())
	}
}

// TestDisjointEventRanges: rows of re-aggregated views are summed again
// only when two partitions may hold the same time bin.
func TestDisjointEventRanges(t *testing.T) {
	h := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	part := func(from, to time.Duration) catalog.Partition {
		return catalog.Partition{MinEventTime: h.Add(from), MaxEventTime: h.Add(to)}
	}
	for _, c := range []struct {
		name  string
		parts []catalog.Partition
		want  bool
	}{
		{"none", nil, true},
		{"one", []catalog.Partition{part(0, time.Minute)}, true},
		{"apart, any order", []catalog.Partition{part(2*time.Minute, 3*time.Minute-1), part(0, time.Minute-1), part(time.Minute, 2*time.Minute-1)}, true},
		{"sharing a bin", []catalog.Partition{part(time.Minute, 2*time.Minute-1), part(0, 2*time.Minute-1)}, false},
		{"touching", []catalog.Partition{part(0, time.Minute), part(time.Minute, 2*time.Minute)}, false},
		{"nested", []catalog.Partition{part(0, time.Hour), part(time.Minute, 2*time.Minute)}, false},
	} {
		if got := disjointEventRanges(c.parts); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
