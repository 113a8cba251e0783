package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/micromegas-go/micromegas/internal/cputime"
)

// BenchmarkResultNullability measures what deciding the nullability of a
// result (DuckDB's json_serialize_sql of the query, notnull.go) adds to
// a small query: the same query over the same file, its table with
// NotNull columns (notnull) and without (plain, the peer). The process's
// CPU time per query (cpu-µs/op) varies less than wall time on a shared
// machine.
//
//	go test -tags=duckdb_arrow -run '^$' -bench ResultNullability -benchmem -count 3 ./internal/engine
func BenchmarkResultNullability(b *testing.B) {
	e, dir := openEngine(b, Options{Threads: 2})
	rows := make([]logRow, 10_000)
	for i := range rows {
		rows[i] = logRow{process: fmt.Sprint("p", i%16), time: t0 + int64(i)*1000, level: int32(i % 6), msg: "message"}
	}
	file := writeLogFile(b, dir, "bench.parquet", rows)
	const sql = "SELECT time, level, msg FROM log_entries WHERE level = 1 ORDER BY time DESC LIMIT 10"
	for _, tc := range []struct {
		name    string
		notNull []string
	}{
		{"plain", nil},
		{"notnull", []string{"process_id", "time", "level", "msg"}},
	} {
		table := []Table{{Name: "log_entries", Files: []string{file}, Schema: logSchema, NotNull: tc.notNull}}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cputime.Process()
			for b.Loop() {
				r, err := e.Query(context.Background(), sql, table)
				if err != nil {
					b.Fatal(err)
				}
				drain(b, r.Next, r.Err)
				r.Release()
			}
			b.ReportMetric(float64((cputime.Process()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}
