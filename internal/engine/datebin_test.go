package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestDateBinMatchesTimeBucket compares date_bin, which bins timestamps
// in integer microseconds when it can, with DuckDB's time_bucket, which it
// used before, on strides with and without months, origins before and
// after the values, values before 1970 and between microseconds, infinite
// values and NULL.
func TestDateBinMatchesTimeBucket(t *testing.T) {
	e, _ := openEngine(t, Options{})
	const values = `SELECT make_timestamp_ns(v) AS ts FROM (SELECT unnest([
			0, 1, -1, 999, 1000, 1001, -999, -1000, -1001, 59999999999, 60000000000, -60000000001,
			1772323200000000000, 1772323259999999999, 1772323260000000000, 1772323260000000499,
			-86400000000000123, 4102444800123456789]) AS v
		UNION ALL SELECT 1772323200000000000 + r * 7777777771 FROM range(2000) t(r))`
	strides := []string{"1 microsecond", "1 second", "1 minute", "7 minutes", "90 seconds", "1 hour",
		"1 day", "1 week", "2 hours 30 minutes", "1 month", "1 year", "3 months"}
	origins := []string{"TIMESTAMP '1970-01-01 00:00:00'", "TIMESTAMP '2000-01-01 00:30:00'",
		"TIMESTAMP_NS '2026-03-01 00:00:00.000000500'", "TIMESTAMP '2100-01-01 00:00:07'"}
	for _, stride := range strides {
		for _, origin := range origins {
			q := fmt.Sprintf(`SELECT count(*), count(*) FILTER (WHERE date_bin('%[1]s', ts, %[2]s) IS DISTINCT FROM time_bucket(INTERVAL '%[1]s', ts, %[2]s))
				FROM (%[3]s UNION ALL SELECT CAST(v AS TIMESTAMP_NS) FROM (VALUES ('infinity'), ('-infinity'), (NULL)) t(v))`, stride, origin, values)
			res, err := tryCollect(e, q)
			if err != nil {
				t.Fatalf("%s, origin %s: %v", stride, origin, err)
			}
			if got := fmt.Sprint(res.rows[0]); got != "[2021 0]" {
				t.Errorf("stride %s, origin %s: [values, differences] = %s, want [2021 0]", stride, origin, got)
			}
		}
		// The default origin is the Unix epoch; TIMESTAMP sources too.
		q := fmt.Sprintf(`SELECT count(*) FILTER (WHERE date_bin('%[1]s', ts) IS DISTINCT FROM time_bucket(INTERVAL '%[1]s', ts, TIMESTAMP '1970-01-01')
				OR date_bin('%[1]s', CAST(ts AS TIMESTAMP)) IS DISTINCT FROM time_bucket(INTERVAL '%[1]s', CAST(ts AS TIMESTAMP), TIMESTAMP '1970-01-01')) FROM (%[2]s)`, stride, values)
		if res, err := tryCollect(e, q); err != nil || fmt.Sprint(res.rows[0]) != "[0]" {
			t.Errorf("stride %s, default origin: differences %v, %v", stride, res.rows, err)
		}
	}
}

// TestDateBinPlan checks that date_bin of a timestamp column by a stride
// without months is planned as integer arithmetic, not time_bucket (the
// faster form must not silently fall back).
func TestDateBinPlan(t *testing.T) {
	e, _ := openEngine(t, Options{})
	for _, c := range []struct {
		sql        string
		timeBucket bool
	}{
		{`EXPLAIN SELECT date_bin('1 minute', t) FROM (SELECT TIMESTAMP_NS '2026-03-01' + to_seconds(range) AS t FROM range(10))`, false},
		{`EXPLAIN SELECT date_bin(INTERVAL 1 hour, t, TIMESTAMP '2000-01-01 00:30:00') FROM (SELECT TIMESTAMP '2026-03-01' + to_seconds(range) AS t FROM range(10))`, false},
		{`EXPLAIN SELECT date_bin('1 month', t) FROM (SELECT TIMESTAMP_NS '2026-03-01' + to_seconds(range) AS t FROM range(10))`, true},
	} {
		rows, err := e.db.QueryContext(context.Background(), c.sql)
		if err != nil {
			t.Fatal(err)
		}
		var plan strings.Builder
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(v)
		}
		rows.Close()
		if got := strings.Contains(plan.String(), "time_bucket"); got != c.timeBucket {
			t.Errorf("%s: plan uses time_bucket = %v, want %v:\n%s", c.sql, got, c.timeBucket, plan.String())
		}
	}
}
