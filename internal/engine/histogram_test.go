package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestHistograms checks the histogram functions against values computed
// by hand from the formulas of spec 6.
func TestHistograms(t *testing.T) {
	e, _ := openEngine(t, Options{})
	for _, c := range []struct{ sql, want string }{
		// 0..9 in 4 bins of 2.5 over [0, 10): bins 0-2.5, 2.5-5, 5-7.5, 7.5-10.
		{`SELECT make_histogram(0.0, 10.0, 4, x) FROM range(10) t(x)`,
			`{"bins":[3,2,3,2],"count":10,"end":10,"max":9,"min":0,"start":0,"sum":45,"sum_sq":285}`},
		// Out of range values are clamped into the first and last bins; NULL ignored.
		{`SELECT make_histogram(0.0, 10.0, 2, x).bins FROM (VALUES (-5.0), (100.0), (NULL), (6.0)) t(x)`, `[1,2]`},
		// No values (all NULL, or no rows): every bin empty.
		{`SELECT make_histogram(0.0, 10.0, 3, x).bins FROM (VALUES (NULL::DOUBLE)) t(x)`, `[0,0,0]`},
		{`SELECT make_histogram(0.0, 10.0, 3, x).bins FROM range(0) t(x)`, `[0,0,0]`},
		{`SELECT count_from_histogram(make_histogram(0.0, 10.0, 4, x)), sum_from_histogram(make_histogram(0.0, 10.0, 4, x)) FROM range(10) t(x)`, `10`},
		// variance of 0..9: (285/10 - 4.5^2) * 10/9 = 9.1666...
		{`SELECT round(variance_from_histogram(make_histogram(0.0, 10.0, 4, x)), 6) FROM range(10) t(x)`, `9.166667`},
		// median: threshold 5; cumulative [3 5 8 10] reaches 5 in bin 2:
		// 2.5 + 2.5 * (5 - 3) / 2 = 5.
		{`SELECT quantile_from_histogram(make_histogram(0.0, 10.0, 4, x), 0.5) FROM range(10) t(x)`, `5`},
		// p90: threshold 9 in bin 4: 7.5 + 2.5 * (9 - 8) / 2 = 8.75.
		{`SELECT quantile_from_histogram(make_histogram(0.0, 10.0, 4, x), 0.9) FROM range(10) t(x)`, `8.75`},
		// Not reached (ratio above 1): end.
		{`SELECT quantile_from_histogram(make_histogram(0.0, 10.0, 4, x), 2.0) FROM range(10) t(x)`, `10`},
		// sum_histograms adds the bins of histograms of the same shape.
		{`SELECT sum_histograms(h).bins, sum_histograms(h).count FROM (
			SELECT make_histogram(0.0, 10.0, 4, x) AS h FROM range(10) t(x) GROUP BY x % 2)`, `[3,2,3,2]`},
		{`SELECT array_has(['log', 'cpu'], 'cpu')`, `true`},
	} {
		res, err := tryCollect(e, c.sql)
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if len(res.rows) != 1 || fmt.Sprint(res.rows[0][0]) != c.want {
			t.Errorf("%s\n got %v, want %s", c.sql, res.rows, c.want)
		}
	}
}

// referenceQuantile is quantile_from_histogram written as the spec states
// it, with the cumulative counts of every bin computed first.
func referenceQuantile(start, end float64, bins []uint64, ratio float64) float64 {
	var count uint64
	cumulative := make([]uint64, len(bins))
	for i, b := range bins {
		count += b
		cumulative[i] = count
	}
	target := float64(count) * ratio
	for i, c := range cumulative {
		if float64(c) < target {
			continue
		}
		before := 0.0
		if i > 0 {
			before = float64(cumulative[i-1])
		}
		frac := 0.0
		if bins[i] > 0 {
			frac = (target - before) / float64(bins[i])
		}
		return start + (end-start)/float64(len(bins))*(float64(i)+frac)
	}
	return end
}

// TestQuantileFromHistogram compares quantile_from_histogram with the
// reference on histograms with empty bins, one bin, many bins, and ratios
// at and beyond the ends, through SQL.
func TestQuantileFromHistogram(t *testing.T) {
	e, _ := openEngine(t, Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int, zeros bool) []uint64 {
		b := make([]uint64, n)
		for i := range b {
			if !zeros || rng.IntN(3) > 0 {
				b[i] = rng.Uint64N(50)
			}
		}
		return b
	}
	hists := [][]uint64{{0}, {7}, {0, 0, 5, 0}, {3, 2, 3, 2}, {1, 0, 0, 0, 0, 1}, random(100, true), random(1000, false), random(1000, true)}
	for _, bins := range hists {
		var count uint64
		lit := make([]string, len(bins))
		for i, b := range bins {
			count += b
			lit[i] = strconv.FormatUint(b, 10)
		}
		h := fmt.Sprintf("{'start': -5.0, 'end': 20.0, 'min': 0.0, 'max': 0.0, 'sum': 0.0, 'sum_sq': 0.0, 'count': %d::UBIGINT, 'bins': [%s]::UBIGINT[]}", count, strings.Join(lit, ","))
		for _, ratio := range []float64{0, 0.01, 0.25, 0.5, 0.9, 0.99, 1, 1.5} {
			res, err := tryCollect(e, fmt.Sprintf("SELECT quantile_from_histogram(%s, %v)", h, ratio))
			if err != nil {
				t.Fatalf("%d bins, ratio %v: %v", len(bins), ratio, err)
			}
			got, _ := res.rows[0][0].(float64)
			if want := referenceQuantile(-5, 20, bins, ratio); math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Errorf("%d bins %v, ratio %v: got %v, want %v", len(bins), bins[:min(len(bins), 8)], ratio, got, want)
			}
		}
	}
	// NULL histogram or ratio: NULL.
	res, err := tryCollect(e, `SELECT quantile_from_histogram(make_histogram(0.0, 10.0, 4, x), NULL) IS NULL FROM range(10) t(x)`)
	if err != nil || fmt.Sprint(res.rows[0][0]) != "true" {
		t.Errorf("NULL ratio: got %v, %v; want NULL", res.rows, err)
	}
}

// TestQuantileFromLargeHistograms runs quantile_from_histogram on 1,440
// histograms of 1,000 bins (a day of per-minute percentiles): each
// histogram of minute m holds the values m .. m+999, so its median is
// m + 500 (bin width 2 over [0, 2000)). The macro this replaced took
// seconds here (O(bins²) per histogram).
func TestQuantileFromLargeHistograms(t *testing.T) {
	e, _ := openEngine(t, Options{})
	res, err := tryCollect(e, `SELECT count(*), count(*) FILTER (WHERE p50 = m + 500) FROM (
		SELECT m, quantile_from_histogram(make_histogram(0.0, 2000.0, 1000, m + v), 0.5) AS p50
		FROM range(1440) a(m), range(1000) b(v) GROUP BY m)`)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(res.rows[0]); got != "[1440 1440]" {
		t.Fatalf("got %s histograms with the right median (total, right), want [1440 1440]", got)
	}
}
