package lakehouse

import (
	"strings"
	"testing"
	"time"
)

// TestFileOrder checks that the files of a view are listed oldest first,
// or newest first (the tail of recent blocks first) for a query ordered
// by time descending, and that a top-N query returns the rows of the full
// query either way.
func TestFileOrder(t *testing.T) {
	tl := newTestLake(t)
	p := needleLake(t, tl, time.Hour) // hours 10, 11 and 12, materialized
	parts := tl.partitions(t, LogEntriesView, GlobalInstance)
	if len(parts) != 3 {
		t.Fatalf("got %d hour partitions, want 3", len(parts))
	}
	// Blocks of hour 13, not materialized: converted by each query.
	h13 := time.Date(2026, 3, 1, 13, 1, 0, 0, time.UTC)
	writeLogMessages(t, tl, p, []time.Time{h13}, [][]string{{"late one", "late two"}})

	order := func(sql string) string {
		t.Helper()
		files := openedFiles(t, tl, parts, "hour", sql, nil, QueryOptions{})
		for i, f := range files {
			if !strings.HasPrefix(f, "hour") {
				files[i] = "tail"
			}
		}
		return strings.Join(files, " ")
	}
	for _, c := range []struct {
		order, files string
	}{
		{"time", "hour0 hour1 hour2 tail"},
		{"time DESC", "tail hour2 hour1 hour0"},
		{"l.time DESC, msg", "tail hour2 hour1 hour0"},
		{"msg DESC", "hour0 hour1 hour2 tail"},
	} {
		t.Run(c.order, func(t *testing.T) {
			sql := `SELECT time, msg FROM log_entries l ORDER BY ` + c.order
			if got := order(sql + ` LIMIT 3`); got != c.files {
				t.Fatalf("files %q, want %q", got, c.files)
			}
			all := tl.rows(t, sql, QueryOptions{})
			if len(all) != 21 {
				t.Fatalf("got %d rows, want 21", len(all))
			}
			top := tl.rows(t, sql+` LIMIT 3`, QueryOptions{})
			if strings.Join(top, "\n") != strings.Join(all[:3], "\n") {
				t.Fatalf("top 3:\n%s\nfirst 3 of all rows:\n%s", strings.Join(top, "\n"), strings.Join(all[:3], "\n"))
			}
		})
	}
	// The newest rows are the tail's.
	wantRows(t, tl.rows(t, `SELECT msg FROM log_entries ORDER BY time DESC LIMIT 2`, QueryOptions{}), "late two", "late one")
}
