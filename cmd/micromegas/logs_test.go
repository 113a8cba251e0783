package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/micromegas-go/micromegas/client"
	"github.com/micromegas-go/micromegas/internal/engine"
)

// TestFollowLogsSameTimestamp runs followLogs' SQL in DuckDB over log
// entries that arrive between polls, some sharing the time of the last
// printed entry: each must be printed exactly once.
func TestFollowLogsSameTimestamp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	eng, err := engine.Open(ctx, engine.Options{AllowedDirectories: []string{t.TempDir()}, Threads: 1, MemoryLimit: "256MB"})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	t1 := t0.Add(1500 * time.Millisecond)
	type entry struct {
		at  time.Time
		msg string
	}
	// arrivals[i] is what the i-th query sees (the last one stays):
	// query 0 is the initial tail, then one query per poll.
	arrivals := [][]entry{
		{{t0, "old"}, {t1, "a"}},
		{{t0, "old"}, {t1, "a"}},
		{{t0, "old"}, {t1, "a"}, {t1, "b"}}, // b shares a's time
		{{t0, "old"}, {t1, "a"}, {t1, "b"}, {t1, "a"}, {t1.Add(time.Second), "c"}}, // a second, identical a
	}
	const pid = "00000000-0000-4000-8000-000000000001"
	calls := 0
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	query := func(ctx context.Context, sql string, _ client.TimeRange) (array.RecordReader, error) {
		if calls == len(arrivals)+1 {
			stop() // every arrival was polled twice
			return nil, ctx.Err()
		}
		es := arrivals[min(calls, len(arrivals)-1)]
		calls++
		var rows []string
		for _, e := range es {
			rows = append(rows, fmt.Sprintf("SELECT CAST('%s' AS TIMESTAMP_NS) AS time, 3 AS level, 'app' AS target, '%s' AS msg",
				e.at.Format("2006-01-02 15:04:05.999999999"), e.msg))
		}
		from := "view_instance('log_entries', '" + pid + "')"
		if !strings.Contains(sql, from) {
			t.Fatalf("query does not read %s: %s", from, sql)
		}
		return eng.Query(ctx, strings.ReplaceAll(sql, from, "entries"),
			[]engine.Table{{Name: "entries", SQL: strings.Join(rows, " UNION ALL ")}})
	}
	var out strings.Builder
	q := logsQuery{processID: pid, maxLevel: 6}
	if err := followLogs(fctx, query, q, client.TimeRange{}, 10, time.Millisecond, &out); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"2026-03-01T10:00:00Z WARN app: old",
		"2026-03-01T10:00:01.5Z WARN app: a",
		"2026-03-01T10:00:01.5Z WARN app: b",
		"2026-03-01T10:00:01.5Z WARN app: a",
		"2026-03-01T10:00:02.5Z WARN app: c",
	}, "\n") + "\n"
	if out.String() != want {
		t.Errorf("followLogs printed:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestLogCursor checks the cursor alone: entries at the cursor's time are
// skipped once per printed copy, older ones always, newer ones never.
func TestLogCursor(t *testing.T) {
	t1 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	t2 := t1.Add(time.Nanosecond)
	c := &logCursor{}
	for _, tc := range []struct {
		reads [][2]any // (time, line) of one read, in time order
		want  string   // the admitted lines
	}{
		{[][2]any{{t1, "x"}, {t1, "x"}}, "x x"},
		{[][2]any{{t1, "x"}, {t1, "x"}, {t1, "y"}}, "y"},
		{[][2]any{{t1, "x"}, {t1, "y"}, {t1, "x"}, {t1, "x"}, {t2, "z"}}, "x z"},
		{[][2]any{{t1, "x"}, {t2, "z"}, {t2, "z"}}, "z"},
	} {
		skip := c.skips()
		var got []string
		for _, r := range tc.reads {
			if c.admit(r[0].(time.Time), r[1].(string), skip) {
				got = append(got, r[1].(string))
			}
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("read %v admitted %q, want %q", tc.reads, strings.Join(got, " "), tc.want)
		}
	}
}
