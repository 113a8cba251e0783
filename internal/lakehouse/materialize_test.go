package lakehouse

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

// writeLogBlocks writes one block of n entries per insert time, the
// entries' times one millisecond apart from the insert time, and returns
// the stream.
func writeLogBlocks(t *testing.T, tl *testLake, p *lakehousetest.Process, n int, inserts ...time.Time) {
	t.Helper()
	ctx := context.Background()
	s := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, p, lakehousetest.KindLog, nil))
	for i, ins := range inserts {
		b := lakehousetest.NewBlock()
		base := ins.Sub(p.StartTime).Milliseconds() // 1000 ticks per second from tick 0
		for j := 0; j < n; j++ {
			b.LogString(warnSite, base+int64(j), fmt.Sprintf("block %d entry %d", i, j))
		}
		if _, err := tl.w.WriteBlock(ctx, s, b, base, base+int64(n), ins); err != nil {
			t.Fatal(err)
		}
	}
}

func (tl *testLake) partitions(t testing.TB, view, instance string) []catalog.Partition {
	t.Helper()
	v, _ := lookupView(view)
	parts, err := tl.listInstance(context.Background(), v, instance)
	if err != nil {
		t.Fatal(err)
	}
	return parts
}

// TestCompaction materializes log_entries in second slices, compacts them
// into minutes and an hour, and checks that every step gives the same
// query results, and that a late block makes its slice rebuilt.
func TestCompaction(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	h := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", h, 0, 1000, nil))
	writeLogBlocks(t, tl, p, 3, h.Add(200*time.Millisecond), h.Add(1500*time.Millisecond), h.Add(61*time.Second))
	const q = `SELECT time, msg, block_id FROM log_entries ORDER BY time`
	want := tl.rows(t, q, QueryOptions{})
	if len(want) != 9 {
		t.Fatalf("got %d rows before materialization, want 9", len(want))
	}
	same := func(step string) {
		t.Helper()
		checkDictionaryFiles(t, tl, LogEntriesView) // merges keep the dictionaries
		if got := tl.rows(t, q, QueryOptions{}); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("after %s the rows differ:\n%s\nwant:\n%s", step, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		inst := tl.rows(t, `SELECT time, msg, block_id FROM view_instance('log_entries', '`+p.ProcessID+`') ORDER BY time`, QueryOptions{})
		if strings.Join(inst, "\n") != strings.Join(want, "\n") {
			t.Fatalf("after %s, view_instance disagrees with the global view:\n%s", step, strings.Join(inst, "\n"))
		}
	}
	ranges := func() string {
		var out []string
		for _, p := range tl.partitions(t, LogEntriesView, GlobalInstance) {
			out = append(out, fmt.Sprintf("%s-%s:%d", p.BeginInsertTime.Format("15:04:05"), p.EndInsertTime.Format("15:04:05"), sourceCount(p)))
		}
		return strings.Join(out, " ")
	}
	if _, err := tl.MaterializeRange(ctx, LogEntriesView, h, h.Add(2*time.Minute), time.Second); err != nil {
		t.Fatal(err)
	}
	if got := ranges(); got != "10:00:00-10:00:01:1 10:00:01-10:00:02:1 10:01:01-10:01:02:1" {
		t.Fatalf("second partitions: %s", got)
	}
	same("second slices")
	// Running it again changes nothing.
	if n, err := tl.MaterializeRange(ctx, LogEntriesView, h, h.Add(2*time.Minute), time.Second); err != nil || n != 0 {
		t.Fatalf("second run wrote %d partitions (err %v), want 0", n, err)
	}
	if _, err := tl.MaterializeRange(ctx, LogEntriesView, h, h.Add(2*time.Minute), time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := ranges(); got != "10:00:00-10:01:00:2 10:01:01-10:01:02:1" {
		t.Fatalf("minute partitions: %s", got)
	}
	same("minute merge")
	if _, err := tl.MaterializeRange(ctx, LogEntriesView, h, h.Add(time.Hour), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := ranges(); got != "10:00:00-11:00:00:3" {
		t.Fatalf("hour partition: %s", got)
	}
	same("hour merge")
	// A block arriving late inside the hour makes the count differ: the
	// hour is rebuilt from the blocks.
	writeLogBlocks(t, tl, p, 2, h.Add(30*time.Second))
	if _, err := tl.MaterializeRange(ctx, LogEntriesView, h, h.Add(time.Hour), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := ranges(); got != "10:00:00-11:00:00:4" {
		t.Fatalf("rebuilt hour partition: %s", got)
	}
	if got := tl.rows(t, `SELECT count(*) FROM log_entries`, QueryOptions{}); got[0] != "11" {
		t.Fatalf("count after the late block: %s, want 11", got[0])
	}
	// Retired files wait in temporary_files for queries in flight.
	tmp, err := tl.store.ListExpiredTemporaryFiles(ctx, time.Now().Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// 2 second files merged into a minute, the minute and the last second
	// merged into the hour, the hour rebuilt: 5 files retired.
	if len(tmp) != 5 {
		t.Fatalf("%d retired files scheduled for deletion, want 5", len(tmp))
	}
}

// TestTimeRangePruning checks that a query with a time range opens only
// the partitions of that range.
func TestTimeRangePruning(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	h := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", h, 0, 1000, nil))
	writeLogBlocks(t, tl, p, 2, h.Add(time.Minute), h.Add(time.Hour+time.Minute), h.Add(2*time.Hour+time.Minute))
	if _, err := tl.MaterializeRange(ctx, LogEntriesView, h, h.Add(3*time.Hour), time.Hour); err != nil {
		t.Fatal(err)
	}
	parts := tl.partitions(t, LogEntriesView, GlobalInstance)
	if len(parts) != 3 {
		t.Fatalf("got %d hour partitions, want 3", len(parts))
	}
	opts := QueryOptions{Begin: h.Add(time.Hour), End: h.Add(2*time.Hour - time.Nanosecond)}
	qp := &queryPlan{l: tl.Lakehouse, opts: opts, sql: `SELECT count(*) FROM log_entries`}
	_, tables, err := qp.plan(ctx)
	defer qp.cleanup()
	if err != nil {
		t.Fatal(err)
	}
	// The second hour's events all lie inside the range: its file is read
	// without the per-row time filter.
	if len(tables) != 1 || len(tables[0].Files) != 0 || len(tables[0].Inside) != 1 || !strings.HasSuffix(filepath.ToSlash(tables[0].Inside[0]), parts[1].FilePath) {
		t.Fatalf("tables %+v: want only the file of the second hour, unfiltered: %s", tables, parts[1].FilePath)
	}
	if got := tl.rows(t, `SELECT count(*), min(msg) FROM log_entries`, opts); got[0] != "2 | block 1 entry 0" {
		t.Fatalf("got %v", got)
	}
	// A range that cuts the partition between its two entries: the file is
	// read with the filter, which keeps only the second entry.
	cut := QueryOptions{Begin: h.Add(time.Hour + time.Minute + time.Millisecond), End: opts.End}
	qp = &queryPlan{l: tl.Lakehouse, opts: cut, sql: `SELECT count(*) FROM log_entries`}
	_, tables, err = qp.plan(ctx)
	defer qp.cleanup()
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 || len(tables[0].Files) != 1 || len(tables[0].Inside) != 0 || tables[0].Filter == "" {
		t.Fatalf("tables %+v: want the second hour's file, filtered", tables)
	}
	if got := tl.rows(t, `SELECT count(*), min(msg) FROM log_entries`, cut); got[0] != "1 | block 1 entry 1" {
		t.Fatalf("cut range: got %v, want only the second entry", got)
	}
	// A range holding one partition whole and cutting another: both kinds
	// in one table.
	both := QueryOptions{Begin: h.Add(time.Minute + time.Millisecond), End: opts.End}
	if got := tl.rows(t, `SELECT count(*), min(msg), max(msg) FROM log_entries`, both); got[0] != "3 | block 0 entry 1 | block 1 entry 1" {
		t.Fatalf("mixed range: got %v", got)
	}
	// The same through a view_instance: the JIT partitions are per hour of
	// insert time, and only the one meeting the range is read.
	qp = &queryPlan{l: tl.Lakehouse, opts: opts, sql: `SELECT count(*) FROM view_instance('log_entries', '` + p.ProcessID + `')`}
	_, tables, err = qp.plan(ctx)
	defer qp.cleanup()
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 || len(tables[0].Files)+len(tables[0].Inside) != 1 {
		t.Fatalf("view_instance tables %+v: want one file", tables)
	}
}
