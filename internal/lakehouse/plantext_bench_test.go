package lakehouse

import (
	"testing"

	"github.com/micromegas-go/micromegas/internal/sqltext"
)

// planTexts are queries whose text the planner reads: those of
// BenchmarkQueries, a view_instance with bounds and a query with markers.
var planTexts = []string{
	`SELECT level, count(*) FROM log_entries GROUP BY level ORDER BY level`,
	`SELECT time, msg FROM log_entries WHERE msg LIKE '%in 42 ms%' ORDER BY time DESC LIMIT 100`,
	`SELECT count(*) FROM log_entries WHERE property_get(process_properties, 'region') = 'eu-west-1'`,
	`SELECT date_bin('1 minute', time) AS t, quantile_cont(value, 0.99) FROM measures WHERE name = 'frame_time' GROUP BY t`,
	`SELECT * FROM view_instance('thread_spans', '0a1b2c3d-0000-4000-8000-000000000000') WHERE "begin" <= '2026-01-02' AND "end" >= now() - INTERVAL 1 HOUR`,
	`SELECT * FROM otel_spans WHERE trace_id = ? AND "end" >= $2::TIMESTAMP ORDER BY "begin"`,
}

// BenchmarkPlanText measures the reading of a query's text by the
// planner (plan, bindTableArgs, findSQLRanges): tokens, table-function
// calls, time bounds, needles and ids, parameter markers and the
// newest-first hint.
func BenchmarkPlanText(b *testing.B) {
	names := tableFunctions
	b.ReportAllocs()
	for b.Loop() {
		for _, sql := range planTexts {
			toks, err := sqltext.Scan(sql)
			if err != nil {
				b.Fatal(err)
			}
			calls, err := sqltext.FindCalls(toks, names)
			if err != nil {
				b.Fatal(err)
			}
			_ = sqltext.FindBounds(sql, toks, calls, boundSchema)
			_, _ = sqltext.Placeholders(toks)
			_ = sqltext.NewestFirst(toks, eventTimeColumns)
			_ = sqltext.Identifiers(toks)
		}
	}
}
