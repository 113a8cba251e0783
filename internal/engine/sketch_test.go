package engine

import (
	"fmt"
	"math"
	"strconv"
	"testing"
)

// TestSketches checks the sketch functions of SQL against DuckDB's exact
// quantiles and against each other.
func TestSketches(t *testing.T) {
	e, _ := openEngine(t, Options{})
	one := func(sql string) string {
		t.Helper()
		res, err := tryCollect(e, sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if len(res.rows) != 1 {
			t.Fatalf("%s: %d rows", sql, len(res.rows))
		}
		return fmt.Sprint(res.rows[0][0])
	}
	num := func(sql string) float64 {
		t.Helper()
		s := one(sql)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("%s: %q is not a number", sql, s)
		}
		return f
	}
	// Values 0.0, 0.2, ..., 99.8 ten times, in 10 groups merged back.
	const values = `(SELECT (i % 500) / 5.0 AS v, i % 10 AS g FROM range(5000) t(i))`
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99} {
		exact := num(fmt.Sprintf(`SELECT quantile_disc(v, %g) FROM %s`, q, values))
		direct := num(fmt.Sprintf(`SELECT quantile_from_sketch(make_sketch(v), %g) FROM %s`, q, values))
		merged := num(fmt.Sprintf(`SELECT quantile_from_sketch(sum_sketches(s), %g) FROM (SELECT g, make_sketch(v) AS s FROM %s GROUP BY g)`, q, values))
		if math.Abs(direct-exact) > exact/256 || direct != merged {
			t.Errorf("p%g: exact %g, sketch %g, merged sketches %g (want within 0.39%% and equal)", q*100, exact, direct, merged)
		}
	}
	for _, c := range []struct{ sql, want string }{
		{`SELECT count_from_sketch(make_sketch(v)) FROM ` + values, `5000`},
		{`SELECT quantile_from_sketch(make_sketch(v), 0) FROM ` + values, `0`},
		{`SELECT quantile_from_sketch(make_sketch(v), 1) FROM ` + values, `99.8`},
		// Buckets: 1 and 1.5 apart, 1.0078125 (1 + 2^-7) in the next bucket after 1.
		{`SELECT make_sketch(v) FROM (VALUES (1.0), (1.001), (1.5), (-2.0), (0.0), (NULL)) t(v)`,
			`{"count":5,"counts":[1,1,2,1],"keys":[-131072,0,130944,131008],"max":1.5,"min":-2}`},
		// Empty: count 0, quantile NULL.
		{`SELECT count_from_sketch(make_sketch(v)) FROM (VALUES (NULL::DOUBLE)) t(v)`, `0`},
		{`SELECT quantile_from_sketch(make_sketch(v), 0.5) IS NULL FROM range(0) t(v)`, `true`},
		{`SELECT quantile_from_sketch(sum_sketches(s), 0.5) FROM (SELECT make_sketch(v) AS s FROM (VALUES (3.0)) t(v) UNION ALL SELECT NULL)`, `3`},
	} {
		if got := one(c.sql); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.sql, got, c.want)
		}
	}
	// A sketch whose count does not match its buckets is refused.
	if _, err := tryCollect(e, `SELECT quantile_from_sketch({'min': 0, 'max': 1, 'count': 5, 'keys': [1], 'counts': [1]}::`+SketchSQLType+`, 0.5)`); err == nil {
		t.Error("inconsistent sketch accepted")
	}
}
