package engine

import (
	"fmt"
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
