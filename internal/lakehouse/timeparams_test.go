package lakehouse

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

// TestSQLTimePruningParams checks that time predicates on parameter
// markers prune with the values bound to them, as the same predicates
// written with literals do, for both marker styles; that values whose
// meaning is not certain prune nothing; and that the rows always equal
// those of the unpruned query with the same values.
func TestSQLTimePruningParams(t *testing.T) {
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
	plus2 := time.FixedZone("UTC+2", 2*3600)
	const all = "hour0 hour1 hour2"
	for _, c := range []struct {
		name, where string
		args        []any
		want        string // the files opened
	}{
		{"? times", `time >= ? AND time < ?`, []any{h.Add(time.Hour), h.Add(2 * time.Hour)}, "hour1"},
		{"$N strings", `time > $1 AND time < $2`, []any{"2026-03-01T11:00:00Z", "2026-03-01 11:59:59"}, "hour1"},
		{"$N out of order", `time < $2 AND $1 <= time`, []any{"2026-03-01 11:00", "2026-03-01 12:00"}, "hour1"},
		{"as the literals", `time >= '2026-03-01T11:00:00Z' AND time < $1`, []any{"2026-03-01T12:00:00Z"}, "hour1"},
		{"between", `"time" BETWEEN ? AND ?`, []any{"2026-03-01 11:00:00", h.Add(2*time.Hour - time.Second)}, "hour1"},
		{"string with an offset", `time >= ?`, []any{"2026-03-01T13:00:00+02:00"}, "hour1 hour2"},
		{"time in another zone", `time < ?`, []any{time.Date(2026, 3, 1, 12, 30, 0, 0, plus2)}, "hour0"},
		// DuckDB's ::TIMESTAMP drops the offset of a string: 11:00 UTC.
		{"typed marker", `time >= ?::TIMESTAMP AND time < CAST(? AS TIMESTAMP_NS)`,
			[]any{"2026-03-01T11:00:00+05:00", "2026-03-01T12:00:00Z"}, "hour1"},
		{"date", `time >= ?::DATE`, []any{"2026-03-01T12:30:00"}, all},
		{"empty", `time > ? AND time < ?`, []any{"2026-03-01T12:30:00Z", "2026-03-01T11:30:00Z"}, ""},
		{"with a parameter elsewhere", `level = ? AND time >= ?`, []any{int64(3), "2026-03-01T12:00:00Z"}, "hour2"},

		// Nothing to take.
		{"null", `time > ?`, []any{nil}, all},
		{"parameter used twice", `time >= $1 AND time < $1::TIMESTAMP + INTERVAL 1 HOUR`, []any{"2026-03-01T11:00:00Z"}, all},
		{"parameter also compared to a string", `time >= $1 AND msg <> $1`, []any{"2026-03-01T11:00:00Z"}, all},
		{"or", `time >= ? OR false`, []any{"2026-03-01T11:00:00Z"}, all},
	} {
		t.Run(c.name, func(t *testing.T) {
			sql := `SELECT time, msg FROM log_entries WHERE ` + c.where + ` ORDER BY time`
			if got := strings.Join(openedFiles(t, tl, parts, "hour", sql, c.args, QueryOptions{}), " "); got != c.want {
				t.Fatalf("files opened: %q, want %q", got, c.want)
			}
			unpruned := `SELECT time, msg FROM log_entries WHERE (` + c.where + `) OR false ORDER BY time`
			if got := strings.Join(openedFiles(t, tl, parts, "hour", unpruned, c.args, QueryOptions{}), " "); got != all {
				t.Fatalf("unpruned query opened %q", got)
			}
			want := tl.rowsArgs(t, unpruned, c.args, QueryOptions{})
			got := tl.rowsArgs(t, sql, c.args, QueryOptions{})
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("pruned rows:\n%s\nunpruned rows:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if c.want == "hour1" && len(got) != 2 {
				t.Fatalf("got %d rows, want the 2 of the second hour", len(got))
			}
		})
	}
	// Without values (Query, or too few), markers prune nothing; the
	// query itself reports the missing value.
	if got := strings.Join(openedFiles(t, tl, parts, "hour", `SELECT * FROM log_entries WHERE time > ? AND time < ?`,
		[]any{"2026-03-01T11:00:00Z"}, QueryOptions{}), " "); got != "hour1 hour2" {
		t.Fatalf("one value of two bound: files opened %q, want the lower bound only", got)
	}
	if _, err := tl.tryRowsArgs(`SELECT * FROM log_entries WHERE time > ? AND time < ?`, []any{"2026-03-01T11:00:00Z"}, QueryOptions{}); err == nil {
		t.Fatal("a query missing a value ran")
	}
	// view_instance arguments and time bounds in one query: only the
	// just-in-time partition of the second hour is converted and read.
	sql := `SELECT count(*) FROM view_instance('log_entries', ?) WHERE time >= ? AND time < ?`
	args := []any{p.ProcessID, h.Add(time.Hour), "2026-03-01T12:00:00Z"}
	if got := openedFiles(t, tl, parts, "hour", sql, args, QueryOptions{}); len(got) != 1 {
		t.Fatalf("view_instance opened %v, want one file", got)
	}
	if n := len(tl.partitions(t, LogEntriesView, p.ProcessID)); n != 1 {
		t.Fatalf("%d just-in-time partitions converted, want 1", n)
	}
	wantRows(t, tl.rowsArgs(t, sql, args, QueryOptions{}), "2")
}
