package lakehouse

import (
	"strings"
	"testing"
	"time"
)

// TestNewestFirst checks which texts order by an event-time column
// descending.
func TestNewestFirst(t *testing.T) {
	for _, c := range []struct {
		sql  string
		want bool
	}{
		{`SELECT time, msg FROM log_entries ORDER BY time DESC LIMIT 10`, true},
		{`select * from log_entries order by time desc`, true},
		{`SELECT * FROM log_entries l ORDER BY l.time DESC, msg`, true},
		{`SELECT * FROM log_entries ORDER BY "time" DESC`, true},
		{`SELECT * FROM view_instance('thread_spans', 's') ORDER BY begin DESC`, true},
		{`SELECT * FROM log_stats ORDER BY time_bin DESC`, true},
		{`SELECT * FROM (SELECT * FROM log_entries ORDER BY time DESC LIMIT 5) ORDER BY time`, true},

		{`SELECT * FROM log_entries ORDER BY time LIMIT 10`, false},
		{`SELECT * FROM log_entries ORDER BY time ASC`, false},
		{`SELECT * FROM log_entries ORDER BY msg DESC`, false},
		{`SELECT * FROM log_entries ORDER BY level DESC, time DESC`, false},
		{`SELECT * FROM log_entries WHERE msg = 'ORDER BY time DESC'`, false},
		{`SELECT * FROM log_entries -- ORDER BY time DESC`, false},
		{`SELECT time FROM log_entries`, false},
	} {
		toks, err := scanSQL(c.sql)
		if err != nil {
			t.Fatal(err)
		}
		if got := newestFirst(toks); got != c.want {
			t.Errorf("newestFirst(%s) = %v, want %v", c.sql, got, c.want)
		}
	}
}

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
