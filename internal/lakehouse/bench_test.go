package lakehouse

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/cputime"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
	"github.com/micromegas-go/micromegas/internal/otlp"
)

// Benchmarks of the lakehouse (docs/benchmarks.md, "Lakehouse"):
//
//	go test -run '^$' -bench . -benchtime 1x ./internal/lakehouse/
//
// MICROMEGAS_BENCH_EVENTS sets the size of the query data sets (default
// 1,000,000 log entries and span events); MICROMEGAS_BENCH_DIR keeps
// BenchmarkQueries' data in a directory between runs (benchQueryData).

const eventsPerBlock = 10000

var benchSites = []*lakehousetest.LogSite{
	{Fmt: "request {} done", Target: "app::http", Module: "app", File: "http.rs", Line: 10, Level: 4},
	{Fmt: "cache miss {}", Target: "app::cache", Module: "app", File: "cache.rs", Line: 20, Level: 5},
	{Fmt: "slow query {}", Target: "app::db", Module: "app", File: "db.rs", Line: 30, Level: 3},
	{Fmt: "failed {}", Target: "app::net", Module: "app", File: "net.rs", Line: 40, Level: 2},
}

// genLogs writes n log entries spread over a day, in blocks of
// eventsPerBlock, one block inserted per 10 s.
func genLogs(b testing.TB, tl *testLake, n int) *lakehousetest.Process {
	ctx := context.Background()
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	p := must[*lakehousetest.Process](b)(tl.w.NewProcess(ctx, "bench.exe", day, 0, 1_000_000, nil))
	s := must[*lakehousetest.Stream](b)(tl.w.NewStream(ctx, p, lakehousetest.KindLog, nil))
	blocks := (n + eventsPerBlock - 1) / eventsPerBlock
	span := int64(24*time.Hour/time.Microsecond) / int64(blocks) // ticks per block (1 MHz)
	for i := 0; i < blocks; i++ {
		blk := lakehousetest.NewBlock()
		base := int64(i) * span
		for j := 0; j < eventsPerBlock; j++ {
			site := benchSites[(i+j)%len(benchSites)]
			blk.LogString(site, base+int64(j)*span/eventsPerBlock, "request "+strconv.Itoa(i*eventsPerBlock+j)+" done in "+strconv.Itoa(j%997)+" ms")
		}
		check(b, func() error {
			_, err := tl.w.WriteBlock(ctx, s, blk, base, base+span, day.Add(time.Duration(i)*10*time.Second))
			return err
		}())
	}
	return p
}

func genMetrics(b testing.TB, tl *testLake, n int) {
	ctx := context.Background()
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	p := must[*lakehousetest.Process](b)(tl.w.NewProcess(ctx, "bench.exe", day, 0, 1_000_000, nil))
	s := must[*lakehousetest.Stream](b)(tl.w.NewStream(ctx, p, lakehousetest.KindMetrics, nil))
	sites := []*lakehousetest.MetricSite{{Name: "frame_time", Unit: "ms", Target: "render"}, {Name: "cpu", Unit: "percent", Target: "sys"}}
	for i := 0; i < n/eventsPerBlock; i++ {
		blk := lakehousetest.NewBlock()
		base := int64(i) * eventsPerBlock * 1000
		for j := 0; j < eventsPerBlock; j++ {
			blk.FloatMetric(sites[j%2], base+int64(j)*1000, float64(j%1000)/10)
		}
		check(b, func() error {
			_, err := tl.w.WriteBlock(ctx, s, blk, base, base+eventsPerBlock*1000, time.Time{})
			return err
		}())
	}
}

// genSpans writes a thread stream of n events (n/2 spans, nested 4 deep).
func genSpans(b testing.TB, tl *testLake, n int) *lakehousetest.Stream {
	ctx := context.Background()
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	p := must[*lakehousetest.Process](b)(tl.w.NewProcess(ctx, "bench.exe", day, 0, 1_000_000_000, nil))
	s := must[*lakehousetest.Stream](b)(tl.w.NewStream(ctx, p, lakehousetest.KindCPU, map[string]string{"thread-name": "worker"}))
	sites := []*lakehousetest.SpanSite{site("frame", 1), site("update", 2), site("physics", 3), site("solve", 4)}
	var ticks int64
	for i := 0; i < n/eventsPerBlock; i++ {
		blk := lakehousetest.NewBlock()
		begin := ticks
		for j := 0; j < eventsPerBlock/8; j++ { // 4 nested spans = 8 events
			ticks = appendFrame(blk, sites, ticks)
		}
		check(b, func() error { _, err := tl.w.WriteBlock(ctx, s, blk, begin, ticks, time.Time{}); return err }())
	}
	return s
}

// appendFrame appends the spans of sites nested in order, each event 100
// ticks after the previous one from ticks, and returns the last tick.
func appendFrame(blk *lakehousetest.Block, sites []*lakehousetest.SpanSite, ticks int64) int64 {
	for _, st := range sites {
		ticks += 100
		blk.BeginSpan(st, ticks)
	}
	for k := len(sites) - 1; k >= 0; k-- {
		ticks += 100
		blk.EndSpan(sites[k], ticks)
	}
	return ticks
}

func benchEvents() int {
	if v, err := strconv.Atoi(os.Getenv("MICROMEGAS_BENCH_EVENTS")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

// BenchmarkETL measures the conversion of raw blocks into a Parquet
// partition (read, decode, build, write), per event type, and reports the
// stored bytes per event, raw and as Parquet.
func BenchmarkETL(b *testing.B) {
	const n = 200_000
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name, view string
		gen        func(*testLake)
	}{
		{LogEntriesView, LogEntriesView, func(tl *testLake) { genLogs(b, tl, n) }},
		{MeasuresView, MeasuresView, func(tl *testLake) { genMetrics(b, tl, n) }},
		{MeasureStatsView, MeasureStatsView, func(tl *testLake) { genMetrics(b, tl, n) }},
		{ThreadSpansView, ThreadSpansView, func(tl *testLake) { genSpans(b, tl, n) }},
		{"otlp/" + LogEntriesView, LogEntriesView, func(tl *testLake) { genOTLP(b, tl, otlp.Logs, n, day, time.Hour) }},
		{"otlp/" + OtelSpansView, OtelSpansView, func(tl *testLake) { genOTLP(b, tl, otlp.Traces, n, day, time.Hour) }},
		{"otlp/" + MeasureStatsView + "/cumulative", MeasureStatsView, func(tl *testLake) { genOTLPMetrics(b, tl, n, day, time.Hour, true) }},
		{"otlp/" + MeasureStatsView + "/delta", MeasureStatsView, func(tl *testLake) { genOTLPMetrics(b, tl, n, day, time.Hour, false) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			tl := newTestLake(b)
			c.gen(tl)
			ctx := context.Background()
			v, _ := lookupView(c.view)
			blocks, err := tl.store.ListBlocks(ctx, catalog.BlockFilter{Tag: v.tag})
			if err != nil {
				b.Fatal(err)
			}
			var raw int64
			for _, bl := range blocks {
				raw += bl.PayloadSize
			}
			var fileSize int64
			b.ResetTimer()
			cpu0 := cputime.Process()
			begin, end := blocks[0].InsertTime, blocks[len(blocks)-1].InsertTime.Add(time.Second)
			for i := 0; i < b.N; i++ {
				if v.merge != "" { // re-aggregated: rows per block, summed by the engine
					sk, err := tl.convertBlocks(ctx, v, blocks)
					if err != nil {
						b.Fatal(err)
					}
					err = tl.writeAggregated(ctx, v, begin, end, sk)
					sk.release()
					if err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					parts := tl.partitions(b, v.name, GlobalInstance)
					fileSize = parts[len(parts)-1].FileSize
					b.StartTimer()
					continue
				}
				p, err := tl.buildPartition(ctx, v, "bench", begin, end, blocks)
				if err != nil {
					b.Fatal(err)
				}
				fileSize = p.FileSize
			}
			b.StopTimer()
			cpu := cputime.Process() - cpu0
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "events/cpu-s")
			b.ReportMetric(float64(raw)/n, "raw_B/event")
			b.ReportMetric(float64(fileSize)/n, "parquet_B/event")
		})
	}
}

// BenchmarkSpansJIT measures the just-in-time conversion of one thread
// stream of MICROMEGAS_BENCH_EVENTS events (n/2 spans) into a partition:
// "convert_write" decodes the blocks, rebuilds the call trees, writes the
// Parquet file (row groups written while the blocks are decoded) and
// commits the partition; "query" is view_instance from no partition
// (catalog, convert, write, commit and the top-spans query).
func BenchmarkSpansJIT(b *testing.B) {
	n := benchEvents()
	ctx := context.Background()
	tl := newTestLake(b)
	spans := genSpans(b, tl, n)
	v, _ := lookupView(ThreadSpansView)
	blocks, err := tl.store.ListBlocks(ctx, catalog.BlockFilter{StreamID: spans.StreamID})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("convert_write", func(b *testing.B) {
		cpu0 := cputime.Process()
		for i := 0; i < b.N; i++ {
			_, err := tl.buildPartition(ctx, v, spans.StreamID, blocks[0].InsertTime, blocks[len(blocks)-1].InsertTime.Add(time.Second), blocks)
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	topSpans := `SELECT name, sum(duration) FROM view_instance('thread_spans', '` + spans.StreamID + `') GROUP BY name ORDER BY 2 DESC LIMIT 10`
	b.Run("query", func(b *testing.B) {
		cpu0 := cputime.Process()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			if _, err := tl.RetirePartitions(ctx, ThreadSpansView, spans.StreamID, time.Unix(0, 0), time.Now().Add(time.Hour)); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := benchQuery(tl, topSpans); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}

// BenchmarkQueries runs the queries on generated data through the
// lakehouse, and the same SQL with plain DuckDB on the same files:
// MICROMEGAS_BENCH_EVENTS log entries and metric values (written directly
// as hourly partitions over one day) and a thread stream of
// MICROMEGAS_BENCH_SPAN_EVENTS span events (default: the same number),
// written as blocks and converted just in time by the first query.
func BenchmarkQueries(b *testing.B) {
	n := benchEvents()
	spanEvents := n
	if v, err := strconv.Atoi(os.Getenv("MICROMEGAS_BENCH_SPAN_EVENTS")); err == nil && v > 0 {
		spanEvents = v
	}
	ctx := context.Background()
	tl, spanStream := benchQueryData(b, n, spanEvents)
	day := benchDay
	queries := []struct {
		name, sql string
		opts      QueryOptions
		view      string
	}{
		{"count_by_level_day", `SELECT level, count(*) FROM log_entries GROUP BY level ORDER BY level`,
			QueryOptions{Begin: day, End: day.Add(24 * time.Hour)}, LogEntriesView},
		{"msg_substring", `SELECT count(*) FROM log_entries WHERE msg LIKE '%in 42 ms%'`, QueryOptions{}, LogEntriesView},
		// A rare substring: the msg trigram filters skip the files that
		// lack one of its trigrams (at 10 M entries, 18 of the 24: the
		// messages are a counter, so most of its trigrams are everywhere).
		// The latest (and the first) 100 matches: DuckDB's top-N filter
		// skips the row groups that cannot win once it has seen 100 rows,
		// so it helps that the files come in the order of the query
		// (fileorder.go; plain DuckDB gets them oldest first).
		{"msg_latest", `SELECT time, msg FROM log_entries WHERE msg LIKE '%in 42 ms%' ORDER BY time DESC LIMIT 100`, QueryOptions{}, LogEntriesView},
		{"msg_first", `SELECT time, msg FROM log_entries WHERE msg LIKE '%in 42 ms%' ORDER BY time LIMIT 100`, QueryOptions{}, LogEntriesView},
		// Every column of the matching rows, and a filter on a property
		// of every row.
		{"select_star_latest", `SELECT * FROM log_entries WHERE msg LIKE '%in 42 ms%' ORDER BY time DESC LIMIT 100`, QueryOptions{}, LogEntriesView},
		{"select_star_substring", `SELECT * FROM log_entries WHERE msg LIKE '%in 42 ms%'`, QueryOptions{}, LogEntriesView},
		{"property_filter", `SELECT count(*) FROM log_entries WHERE property_get(process_properties, 'region') = 'eu-west-1'`, QueryOptions{}, LogEntriesView},
		{"msg_rare_needle", `SELECT count(*) FROM log_entries WHERE msg LIKE '%request 4242424 done%'`, QueryOptions{}, LogEntriesView},
		{"p99_per_minute", `SELECT date_bin('1 minute', time) AS t, quantile_cont(value, 0.99) FROM measures WHERE name = 'frame_time' GROUP BY t`, QueryOptions{}, MeasuresView},
		// The same p99 from a 100-bin histogram per minute (docs/sql.md),
		// and from DuckDB's t-digest: approximations, whose error against
		// the exact p99 is printed.
		{"p99_per_minute_histogram", `SELECT date_bin('1 minute', time) AS t, quantile_from_histogram(make_histogram(0.0, 100.0, 100, value), 0.99) FROM measures WHERE name = 'frame_time' GROUP BY t`, QueryOptions{}, MeasuresView},
		{"p99_per_minute_approx", `SELECT date_bin('1 minute', time) AS t, approx_quantile(value, 0.99) FROM measures WHERE name = 'frame_time' GROUP BY t`, QueryOptions{}, MeasuresView},
		// And from the per-minute sketches the daemon keeps (measure_stats).
		{"p99_per_minute_stats", `SELECT time_bin AS t, quantile_from_sketch(sum_sketches(sketch), 0.99) FROM measure_stats WHERE name = 'frame_time' GROUP BY t`, QueryOptions{}, MeasureStatsView},
	}
	results := map[string][]string{}
	for _, q := range queries {
		var lakeRows, duckRows []string
		b.Run(q.name+"/lakehouse", func(b *testing.B) {
			cpu0 := cputime.Process()
			for i := 0; i < b.N; i++ {
				rows, err := benchQueryOpts(tl, q.sql, q.opts)
				if err != nil {
					b.Fatal(err)
				}
				lakeRows = rows
			}
			b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(plannedFiles(b, tl, q.sql, q.opts)), "files")
		})
		b.Run(q.name+"/duckdb", func(b *testing.B) {
			var paths []string
			for _, part := range tl.partitions(b, q.view, GlobalInstance) {
				if part.FilePath != "" {
					paths = append(paths, filepath.Join(tl.dir, "objects", filepath.FromSlash(part.FilePath)))
				}
			}
			cpu0 := cputime.Process()
			for i := 0; i < b.N; i++ {
				rdr, err := tl.eng.Query(ctx, q.sql, []engine.Table{{Name: q.view, Files: paths}})
				if err != nil {
					b.Fatal(err)
				}
				duckRows = duckRows[:0]
				for rdr.Next() {
					duckRows = append(duckRows, strconv.FormatInt(rdr.RecordBatch().NumRows(), 10))
				}
				rdr.Release()
			}
			b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(len(paths)), "files")
		})
		results[q.name] = lakeRows
		switch {
		case strings.HasPrefix(q.name, "p99_per_minute"):
		case len(lakeRows) > 3:
			fmt.Fprintf(os.Stderr, "%s: %d rows, first %q, last %q\n", q.name, len(lakeRows), lakeRows[0], lakeRows[len(lakeRows)-1])
		default:
			fmt.Fprintf(os.Stderr, "%s: %v\n", q.name, lakeRows)
		}
	}
	for _, approx := range []string{"p99_per_minute_histogram", "p99_per_minute_approx", "p99_per_minute_stats"} {
		if results["p99_per_minute"] != nil && results[approx] != nil {
			fmt.Fprintf(os.Stderr, "%s: %s\n", approx, quantileError(b, results["p99_per_minute"], results[approx]))
		}
	}
	topSpans := `SELECT name, sum(duration) FROM view_instance('thread_spans', '` + spanStream + `') GROUP BY name ORDER BY 2 DESC LIMIT 10`
	// The just-in-time conversion runs once (the first query of the
	// stream), timed by hand so that it is not repeated by b.N; the
	// partitions of a previous run on kept data are retired first.
	if _, err := tl.RetirePartitions(ctx, ThreadSpansView, spanStream, time.Unix(0, 0), time.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	start, cpu0 := time.Now(), cputime.Process()
	if _, err := benchQuery(tl, topSpans); err != nil {
		b.Fatal(err)
	}
	jit, cpu := time.Since(start), cputime.Process()-cpu0
	fmt.Fprintf(os.Stderr, "thread_spans_jit: %d span events converted and queried in %v, %v of CPU (%.0f events/s)\n",
		spanEvents, jit, cpu, float64(spanEvents)/jit.Seconds())
	b.Run("top_spans/lakehouse", func(b *testing.B) {
		cpu0 := cputime.Process()
		for i := 0; i < b.N; i++ {
			if _, err := benchQuery(tl, topSpans); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	})
	b.Run("top_spans/duckdb", func(b *testing.B) {
		var paths []string
		for _, part := range tl.partitions(b, ThreadSpansView, spanStream) {
			if part.FilePath != "" {
				paths = append(paths, filepath.Join(tl.dir, "objects", filepath.FromSlash(part.FilePath)))
			}
		}
		plain := `SELECT name, sum(duration) FROM thread_spans GROUP BY name ORDER BY 2 DESC LIMIT 10`
		cpu0 := cputime.Process()
		for i := 0; i < b.N; i++ {
			rdr, err := tl.eng.Query(ctx, plain, []engine.Table{{Name: ThreadSpansView, Files: paths}})
			if err != nil {
				b.Fatal(err)
			}
			for rdr.Next() {
			}
			rdr.Release()
		}
		b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	})
	fmt.Fprintf(os.Stderr, "data: %d log entries, %d metric values, %d span events\n", n, n, spanEvents)
}

// benchQuery runs sql through the lakehouse with a timeout long enough
// for 100 M-row runs.
func benchQuery(tl *testLake, sql string) ([]string, error) {
	return benchQueryOpts(tl, sql, QueryOptions{})
}

func benchQueryOpts(tl *testLake, sql string, opts QueryOptions) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	rdr, err := tl.Query(ctx, sql, opts)
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	return readRows(rdr)
}

// quantileError compares per-minute quantiles ("t | value" rows) with
// the exact ones: the largest and mean absolute differences.
func quantileError(b *testing.B, exact, approx []string) string {
	parse := func(rows []string) map[string]float64 {
		m := make(map[string]float64, len(rows))
		for _, r := range rows {
			t, v, _ := strings.Cut(r, " | ")
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatalf("quantile row %q: %v", r, err)
			}
			m[t] = f
		}
		return m
	}
	want, got := parse(exact), parse(approx)
	if len(want) != len(got) {
		return fmt.Sprintf("%d minutes, the exact query gave %d", len(got), len(want))
	}
	var worst, sum, worstExact float64
	for t, w := range want {
		g, ok := got[t]
		if !ok {
			return "minute " + t + " is missing"
		}
		d := math.Abs(g - w)
		sum += d
		if d > worst {
			worst, worstExact = d, w
		}
	}
	return fmt.Sprintf("%d minutes, error vs exact: max %.4g (exact %.4g there), mean %.4g", len(want), worst, worstExact, sum/float64(len(want)))
}

// plannedFiles returns the number of files the tables of sql read.
func plannedFiles(b *testing.B, tl *testLake, sql string, opts QueryOptions) int {
	qp := &queryPlan{l: tl.Lakehouse, opts: opts, sql: sql}
	defer qp.cleanup()
	_, tables, err := qp.plan(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, t := range tables {
		n += len(t.Files) + len(t.Inside)
	}
	return n
}
