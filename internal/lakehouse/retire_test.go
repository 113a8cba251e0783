package lakehouse

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

// TestRetirePartitionsDeletes checks that retire_partitions deletes the
// partitions of its range (no empty "marker" partition is left), that
// their files wait in temporary_files, that the retired range is not read
// again from the blocks until it is materialized again, and that a zero
// begin has no lower bound.
func TestRetirePartitionsDeletes(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	h := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", h, 0, 1000, nil))
	writeLogBlocks(t, tl, p, 2, h.Add(time.Minute), h.Add(time.Hour+time.Minute))
	for _, v := range []string{LogEntriesView, LogStatsView} {
		if n, err := tl.MaterializeRange(ctx, v, h, h.Add(2*time.Hour), time.Hour); err != nil || n != 2 {
			t.Fatalf("materialize %s: %d partitions (err %v), want 2", v, n, err)
		}
	}
	first := tl.partitions(t, LogEntriesView, GlobalInstance)[0]
	admin := QueryOptions{Admin: true}
	for _, c := range []struct{ view, want string }{
		{"log_entries", "retired 1 partitions of log_entries/global in [2026-03-01T10:00:00Z, 2026-03-01T11:00:00Z]"},
		{"log_stats", "retired 1 partitions of log_stats/global in [2026-03-01T10:00:00Z, 2026-03-01T11:00:00Z]"},
	} {
		wantRows(t, tl.rows(t, `SELECT msg FROM retire_partitions('`+c.view+`', 'global', TIMESTAMP '2026-03-01 10:00:00', TIMESTAMP '2026-03-01 11:00:00')`, admin), c.want)
	}
	wantRows(t, tl.rows(t, `SELECT view_set_name, begin_insert_time, num_rows FROM list_partitions() ORDER BY 1`, QueryOptions{}),
		"log_entries | 2026-03-01T11:00:00Z | 2", "log_stats | 2026-03-01T11:00:00Z | 1")
	// The retired hour is before the last partition: queries do not
	// convert its blocks, so it is absent until the daemon rebuilds it.
	hour := QueryOptions{Begin: h, End: h.Add(time.Hour - time.Nanosecond)}
	wantRows(t, tl.rows(t, `SELECT count(*) FROM log_entries`, hour), "0")
	wantRows(t, tl.rows(t, `SELECT count(*) FROM log_stats`, hour), "0")
	wantRows(t, tl.rows(t, `SELECT count(*) FROM log_entries`, QueryOptions{}), "2")
	tmp, err := tl.store.ListExpiredTemporaryFiles(ctx, time.Now().Add(2*time.Hour))
	check(t, err)
	if len(tmp) != 2 || (tmp[0].FilePath != first.FilePath && tmp[1].FilePath != first.FilePath) {
		t.Fatalf("temporary files %+v: want the 2 retired files, among them %s", tmp, first.FilePath)
	}
	for _, v := range []string{LogEntriesView, LogStatsView} {
		if n, err := tl.MaterializeRange(ctx, v, h, h.Add(2*time.Hour), time.Hour); err != nil || n != 1 {
			t.Fatalf("rebuild %s: %d partitions (err %v), want 1", v, n, err)
		}
	}
	wantRows(t, tl.rows(t, `SELECT count(*) FROM log_entries`, hour), "2")
	wantRows(t, tl.rows(t, `SELECT sum(count) FROM log_stats`, QueryOptions{}), "4")

	// A zero begin retires everything up to end.
	n, err := tl.RetirePartitions(ctx, LogEntriesView, GlobalInstance, time.Time{}, h.Add(24*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("retire from the zero time: %d (err %v), want 2", n, err)
	}
	if parts := tl.partitions(t, LogEntriesView, GlobalInstance); len(parts) != 0 {
		t.Fatalf("partitions left: %+v", parts)
	}
	// An empty instance id would select every instance: refused.
	var qe *QueryError
	if _, err := tl.RetirePartitions(ctx, LogEntriesView, "", h, h.Add(time.Hour)); !errors.As(err, &qe) {
		t.Fatalf("empty instance: %v, want a QueryError", err)
	}
}

// TestJITRecutDeletesOverlaps checks that a just-in-time partition cut
// differently from an existing one deletes it rather than hiding it behind
// an empty partition.
func TestJITRecutDeletesOverlaps(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	h := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", h, 0, 1000, nil))
	writeLogBlocks(t, tl, p, 2, h.Add(time.Minute), h.Add(2*time.Minute), h.Add(3*time.Minute))
	q := `SELECT count(*) FROM view_instance('log_entries', '` + p.ProcessID + `')`
	wantRows(t, tl.rows(t, q, QueryOptions{}), "6")
	if parts := tl.partitions(t, LogEntriesView, p.ProcessID); len(parts) != 1 {
		t.Fatalf("got %d partitions, want one for the hour", len(parts))
	}
	tl.opts.MaxBlocksPerPartition = 1 // the hour is now cut in three
	wantRows(t, tl.rows(t, q, QueryOptions{}), "6")
	got := tl.rows(t, `SELECT begin_insert_time, num_rows FROM list_partitions()
		WHERE view_instance_id = '`+p.ProcessID+`' ORDER BY begin_insert_time`, QueryOptions{})
	wantRows(t, got, "2026-03-01T10:00:00Z | 2", "2026-03-01T10:02:00Z | 2", "2026-03-01T10:03:00Z | 2")
}
