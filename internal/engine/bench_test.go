package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"testing"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// BenchmarkQueryOverhead compares Engine.Query over a Table (our path: a
// pooled connection, temporary views, sandbox, streaming, timestamp
// normalization) with plain DuckDB running read_parquet on the same file
// through duckdb-go's Arrow API (the peer), on about 1M rows.
//
//	go test -tags=duckdb_arrow -run '^$' -bench QueryOverhead ./internal/engine
func BenchmarkQueryOverhead(b *testing.B) {
	const nrows = 1 << 20
	e, dir := openEngine(b, Options{Threads: 2})
	rows := make([]logRow, nrows)
	for i := range rows {
		rows[i] = logRow{process: fmt.Sprint("p", i%16), time: t0 + int64(i)*1000, level: int32(i % 6), msg: "message"}
	}
	file := writeLogFile(b, dir, "bench.parquet", rows)
	table := []Table{{Name: "log_entries", Files: []string{file}}}

	peer, err := sql.Open("duckdb", "?threads=2")
	if err != nil {
		b.Fatal(err)
	}
	defer peer.Close()

	queries := []struct{ name, ours, peer string }{
		{"count",
			"SELECT count(*) FROM log_entries",
			"SELECT count(*) FROM read_parquet(" + quoteString(file) + ")"},
		{"groupby",
			"SELECT process_id, level, count(*), max(time) FROM log_entries GROUP BY ALL",
			"SELECT process_id, level, count(*), max(time) FROM read_parquet(" + quoteString(file) + ") GROUP BY ALL"},
	}
	for _, q := range queries {
		b.Run(q.name+"/engine", func(b *testing.B) {
			for b.Loop() {
				r, err := e.Query(context.Background(), q.ours, table)
				if err != nil {
					b.Fatal(err)
				}
				drain(b, r.Next, r.Err)
				r.Release()
			}
		})
		b.Run(q.name+"/duckdb", func(b *testing.B) {
			for b.Loop() {
				conn, err := peer.Conn(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				err = conn.Raw(func(dc any) error {
					a, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
					if err != nil {
						return err
					}
					r, err := a.QueryContext(context.Background(), q.peer)
					if err != nil {
						return err
					}
					defer r.Release()
					drain(b, r.Next, r.Err)
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				conn.Close()
			}
		})
	}
}

func drain(b *testing.B, next func() bool, errf func() error) {
	for next() {
	}
	if err := errf(); err != nil {
		b.Fatal(err)
	}
}
