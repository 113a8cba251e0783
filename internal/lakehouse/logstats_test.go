package lakehouse

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

// logAt is one log entry of a test block: its site and its time in
// milliseconds after the process start.
type logAt struct {
	site *lakehousetest.LogSite
	ms   int64
}

// writeLogEntries writes one log block holding entries, inserted at ins.
func writeLogEntries(t *testing.T, tl *testLake, s *lakehousetest.Stream, ins time.Time, entries ...logAt) {
	t.Helper()
	b := lakehousetest.NewBlock()
	lo, hi := entries[0].ms, entries[0].ms
	for i, e := range entries {
		b.LogString(e.site, e.ms, fmt.Sprintf("entry %d", i))
		lo, hi = min(lo, e.ms), max(hi, e.ms)
	}
	if _, err := tl.w.WriteBlock(context.Background(), s, b, lo, hi, ins); err != nil {
		t.Fatal(err)
	}
}

// TestLogStats checks log_stats against hand-computed counts while its
// partitions go from none (all blocks in the per-query tail) to second
// slices, a minute merge that sums equal keys, and an hour rebuilt from
// the blocks, with and without a query time range.
func TestLogStats(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	h := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	pa := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "a.exe", h, 0, 1000, nil))
	pb := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "b.exe", h, 0, 1000, nil))
	sa := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, pa, lakehousetest.KindLog, nil))
	sb := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, pb, lakehousetest.KindLog, nil))
	// warnSite: level 3, app::net; infoSite: level 4, app::main.
	writeLogEntries(t, tl, sa, h.Add(200*time.Millisecond), // block 1
		logAt{warnSite, 100}, logAt{warnSite, 200}, logAt{infoSite, 59_900}, logAt{warnSite, 60_000})
	writeLogEntries(t, tl, sa, h.Add(1500*time.Millisecond), // block 2
		logAt{warnSite, 30_000}, logAt{warnSite, 31_000}, logAt{infoSite, 70_000})
	writeLogEntries(t, tl, sb, h.Add(61*time.Second), // block 3
		logAt{warnSite, 40_000}, logAt{infoSite, 120_000})
	writeLogEntries(t, tl, sa, h.Add(130*time.Second), // block 4: never in second slices
		logAt{warnSite, 50_000}, logAt{infoSite, 65_000})
	writeLogEntries(t, tl, sb, h.Add(140*time.Second), // block 5: only in the minute 10:01
		logAt{infoSite, 90_000})

	const q = `SELECT time_bin, CASE process_id WHEN '%s' THEN 'a' WHEN '%s' THEN 'b' END, level, target, count
		FROM log_stats ORDER BY ALL`
	sql := fmt.Sprintf(q, pa.ProcessID, pb.ProcessID)
	want := []string{
		"2026-03-01T10:00:00Z | a | 3 | app::net | 5", // blocks 1 (2), 2 (2), 4 (1)
		"2026-03-01T10:00:00Z | a | 4 | app::main | 1",
		"2026-03-01T10:00:00Z | b | 3 | app::net | 1",
		"2026-03-01T10:01:00Z | a | 3 | app::net | 1",  // 10:01:00.000 starts the bin
		"2026-03-01T10:01:00Z | a | 4 | app::main | 2", // blocks 2 and 4
		"2026-03-01T10:01:00Z | b | 4 | app::main | 1",
		"2026-03-01T10:02:00Z | b | 4 | app::main | 1",
	}
	// A range keeps the bins beginning within it, counted whole: block 5
	// begins after the range but its entry is in the bin 10:01.
	ranged := QueryOptions{Begin: h.Add(30 * time.Second), End: h.Add(time.Minute)}
	wantRanged := want[3:6]
	same := func(step string) {
		t.Helper()
		checkDictionaryFiles(t, tl, LogStatsView)
		if got := tl.rows(t, sql, QueryOptions{}); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%s: got\n%s\nwant\n%s", step, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if got := tl.rows(t, sql, ranged); strings.Join(got, "\n") != strings.Join(wantRanged, "\n") {
			t.Fatalf("%s, with a range: got\n%s\nwant\n%s", step, strings.Join(got, "\n"), strings.Join(wantRanged, "\n"))
		}
		// The definition of the view over log_entries agrees.
		def := tl.rows(t, fmt.Sprintf(`SELECT date_bin(INTERVAL 1 MINUTE, "time") AS time_bin,
			CASE process_id WHEN '%s' THEN 'a' WHEN '%s' THEN 'b' END, level, target, count(*)
			FROM log_entries GROUP BY ALL ORDER BY ALL`, pa.ProcessID, pb.ProcessID), QueryOptions{})
		if strings.Join(def, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%s: log_entries gives\n%s", step, strings.Join(def, "\n"))
		}
	}
	ranges := func() string {
		var out []string
		for _, p := range tl.partitions(t, LogStatsView, GlobalInstance) {
			out = append(out, fmt.Sprintf("%s-%s:%d/%d", p.BeginInsertTime.Format("15:04:05"), p.EndInsertTime.Format("15:04:05"), sourceCount(p), p.NumRows))
		}
		return strings.Join(out, " ")
	}

	same("no partition")
	if _, err := tl.MaterializeRange(ctx, LogStatsView, h, h.Add(2*time.Minute), time.Second); err != nil {
		t.Fatal(err)
	}
	// One row per (bin, level, target) of each block.
	if got := ranges(); got != "10:00:00-10:00:01:1/3 10:00:01-10:00:02:1/2 10:01:01-10:01:02:1/2" {
		t.Fatalf("second partitions: %s", got)
	}
	same("second slices")
	if _, err := tl.MaterializeRange(ctx, LogStatsView, h, h.Add(2*time.Minute), time.Minute); err != nil {
		t.Fatal(err)
	}
	// Blocks 1 and 2 share (10:00, a, 3, app::net): 5 rows become 4.
	if got := ranges(); got != "10:00:00-10:01:00:2/4 10:01:01-10:01:02:1/2" {
		t.Fatalf("minute partitions: %s", got)
	}
	same("minute merge")
	// The hour counts 5 blocks, not 3: rebuilt from the blocks, so the
	// tail is empty and nothing is counted twice.
	if _, err := tl.MaterializeRange(ctx, LogStatsView, h, h.Add(time.Hour), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := ranges(); got != "10:00:00-11:00:00:5/7" {
		t.Fatalf("hour partition: %s", got)
	}
	same("hour rebuilt")
	// The day merges nothing more and leaves the same answer.
	if _, err := tl.MaterializeRange(ctx, LogStatsView, h.Truncate(24*time.Hour), h.Truncate(24*time.Hour).Add(24*time.Hour), 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	same("day check")
	// Described without files, the view has the schema it returns.
	desc, err := tl.Describe(ctx, `SELECT * FROM log_stats`)
	check(t, err)
	rdr, err := tl.Query(ctx, `SELECT * FROM log_stats`, QueryOptions{})
	check(t, err)
	defer rdr.Release()
	if !desc.Equal(rdr.Schema()) {
		t.Fatalf("described schema %s, query schema %s", desc, rdr.Schema())
	}
}

// TestLogStatsTimePruning checks that predicates on time_bin, with
// literals or parameters, read only the partitions holding rows of the
// bins they keep, and sum the same counts as the unpruned query: a block
// inserted late puts rows of an earlier bin in a later partition.
func TestLogStatsTimePruning(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	h := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "a.exe", h, 0, 1000, nil))
	s := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, p, lakehousetest.KindLog, nil))
	for k := range int64(3) { // two entries at k:01:00, inserted then
		ms := k*3_600_000 + 60_000
		writeLogEntries(t, tl, s, h.Add(time.Duration(ms+500)*time.Millisecond), logAt{warnSite, ms}, logAt{warnSite, ms + 1})
	}
	writeLogEntries(t, tl, s, h.Add(150*time.Minute), logAt{warnSite, 3_661_000}) // 11:01:01, inserted in the third hour
	if _, err := tl.MaterializeRange(ctx, LogStatsView, h, h.Add(3*time.Hour), time.Hour); err != nil {
		t.Fatal(err)
	}
	parts := tl.partitions(t, LogStatsView, GlobalInstance)
	if len(parts) != 3 {
		t.Fatalf("got %d hour partitions, want 3", len(parts))
	}
	checkDictionaryFiles(t, tl, LogStatsView)
	const all = "hour0 hour1 hour2"
	for _, c := range []struct {
		name, where string
		args        []any
		want        string // the files opened
		rows        int
	}{
		{"second hour", `time_bin >= '2026-03-01T11:00:00Z' AND time_bin < '2026-03-01T12:00:00Z'`, nil, "hour1 hour2", 1},
		{"third hour", `time_bin >= '2026-03-01 12:00'`, nil, "hour2", 1},
		{"first hour", `time_bin < TIMESTAMP '2026-03-01 11:00:00'`, nil, "hour0", 1},
		{"one bin", `time_bin = '2026-03-01 10:01:00'`, nil, "hour0", 1},
		{"parameters", `time_bin BETWEEN ? AND ?`, []any{h.Add(2 * time.Hour), "2026-03-01T13:00:00Z"}, "hour2", 1},
		{"numbered parameters", `time_bin < $1 AND level = $2`, []any{"2026-03-01T11:00:00Z", int64(3)}, "hour0", 1},
		{"not pruned: or", `time_bin >= '2026-03-01T12:00:00Z' OR level = 0`, nil, all, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			sql := `SELECT time_bin, level, target, count FROM log_stats WHERE ` + c.where + ` ORDER BY ALL`
			if got := strings.Join(openedFiles(t, tl, parts, "hour", sql, c.args, QueryOptions{}), " "); got != c.want {
				t.Fatalf("files opened: %q, want %q", got, c.want)
			}
			unpruned := `SELECT time_bin, level, target, count FROM log_stats WHERE (` + c.where + `) OR false ORDER BY ALL`
			if got := strings.Join(openedFiles(t, tl, parts, "hour", unpruned, c.args, QueryOptions{}), " "); got != all {
				t.Fatalf("unpruned query opened %q", got)
			}
			want := tl.rowsArgs(t, unpruned, c.args, QueryOptions{})
			got := tl.rowsArgs(t, sql, c.args, QueryOptions{})
			if strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) != c.rows {
				t.Fatalf("pruned rows:\n%s\nunpruned rows:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
	// The late entry is summed with its bin.
	wantRows(t, tl.rows(t, `SELECT time_bin, count FROM log_stats WHERE time_bin >= '2026-03-01T11:00:00Z' AND time_bin < '2026-03-01T12:00:00Z'`, QueryOptions{}),
		"2026-03-01T11:01:00Z | 3")
}

// TestLogStatsMergeAcrossPartitions checks that equal keys in different
// partitions of a day are summed by the day merge and by queries.
func TestLogStatsMergeAcrossPartitions(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	h := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "a.exe", h, 0, 1000, nil))
	s := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, p, lakehousetest.KindLog, nil))
	// Two blocks inserted in different hours with entries of the same minute.
	writeLogEntries(t, tl, s, h.Add(time.Minute), logAt{warnSite, 1_000}, logAt{warnSite, 2_000})
	writeLogEntries(t, tl, s, h.Add(2*time.Hour), logAt{warnSite, 3_000})
	const q = `SELECT time_bin, level, target, count FROM log_stats`
	want := "2026-03-01T10:00:00Z | 3 | app::net | 3"
	wantRows(t, tl.rows(t, q, QueryOptions{}), want)
	day := h.Truncate(24 * time.Hour)
	if n, err := tl.MaterializeRange(ctx, LogStatsView, h, h.Add(3*time.Hour), time.Hour); err != nil || n != 2 {
		t.Fatalf("hours: %d partitions written (err %v), want 2", n, err)
	}
	wantRows(t, tl.rows(t, q, QueryOptions{}), want)
	if n, err := tl.MaterializeRange(ctx, LogStatsView, day, day.Add(24*time.Hour), 24*time.Hour); err != nil || n != 1 {
		t.Fatalf("day: %d partitions written (err %v), want 1", n, err)
	}
	parts := tl.partitions(t, LogStatsView, GlobalInstance)
	if len(parts) != 1 || parts[0].NumRows != 1 || sourceCount(parts[0]) != 2 {
		t.Fatalf("day partition %+v: want 1 row from 2 blocks", parts)
	}
	wantRows(t, tl.rows(t, q, QueryOptions{}), want)
}

func TestFloorBin(t *testing.T) {
	for _, c := range []struct{ t, want int64 }{{0, 0}, {59, 0}, {60, 60}, {-1, -60}, {-60, -60}, {-61, -120}} {
		if got := floorBin(c.t, 60); got != c.want {
			t.Errorf("floorBin(%d, 60) = %d, want %d", c.t, got, c.want)
		}
	}
}

// BenchmarkLogStats compares, on the same log blocks, the daemon's work
// for log_stats with that for log_entries (convert and write a
// partition), and a count by level over the materialized log_stats with
// the same count computed from log_entries (the view's former
// definition), on MICROMEGAS_BENCH_EVENTS entries (default 1 M).
func BenchmarkLogStats(b *testing.B) {
	n := benchEvents()
	ctx := context.Background()
	tl := newTestLake(b)
	genLogs(b, tl, n)
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	blocks, err := tl.store.ListBlocks(ctx, catalog.BlockFilter{Tag: "log"})
	check(b, err)
	for _, view := range []string{LogEntriesView, LogStatsView} {
		b.Run("materialize/"+view, func(b *testing.B) {
			v, _ := lookupView(view)
			for i := 0; i < b.N; i++ {
				s, err := tl.convertBlocks(ctx, v, blocks)
				check(b, err)
				if v.merge != "" {
					err = tl.writeAggregated(ctx, v, day, day.Add(24*time.Hour), s)
				} else {
					_, err = tl.writePartition(ctx, v, GlobalInstance, day, day.Add(24*time.Hour), s)
				}
				s.release()
				check(b, err)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
	for _, view := range []string{LogEntriesView, LogStatsView} {
		_, err := tl.MaterializeRange(ctx, view, day, day.Add(24*time.Hour), time.Hour)
		check(b, err)
	}
	for _, c := range []struct{ name, sql string }{
		{"query/log_stats", `SELECT level, sum(count) FROM log_stats GROUP BY level ORDER BY level`},
		{"query/from_log_entries", `SELECT level, sum(count) FROM (SELECT date_bin(INTERVAL 1 MINUTE, "time") AS time_bin,
			process_id, level, target, count(*) AS count FROM log_entries GROUP BY ALL) GROUP BY level ORDER BY level`},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				tl.rows(b, c.sql, QueryOptions{})
			}
		})
	}
}
