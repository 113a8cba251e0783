package lakehouse

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

// TestFindNeedles checks which WHERE clauses give needles of msg, and
// that the doubtful ones give none.
func TestFindNeedles(t *testing.T) {
	for _, c := range []struct {
		name, sql string
		want      string // key: needle|needle..., keys sorted, "" for none
	}{
		{"like", `SELECT count(*) FROM log_entries WHERE msg LIKE '%req-42 failed%'`, `log_entries: req-42 failed`},
		{"runs", `SELECT * FROM log_entries WHERE msg LIKE 'abc%de%fgh_ijkl'`, `log_entries: abc|fgh|ijkl`},
		{"contains", `SELECT * FROM log_entries WHERE contains(msg, 'abcd')`, `log_entries: abcd`},
		{"with time", `SELECT * FROM log_entries WHERE time > '2026-01-01' AND (level < 3 AND msg LIKE '%xyz%')`, `log_entries: xyz`},
		{"two conjuncts", `SELECT * FROM log_entries WHERE msg LIKE '%abc%' AND contains(msg, 'def')`, `log_entries: abc|def`},
		{"qualified", `SELECT * FROM log_entries l JOIN processes p USING (process_id) WHERE l.msg LIKE '%abc%'`, `log_entries: abc`},
		{"view_instance", `SELECT * FROM view_instance('log_entries', 'p') WHERE msg LIKE '%abc%'`, `view_instance@14: abc`},
		{"quoted column", `SELECT * FROM log_entries WHERE "msg" LIKE '%abc%'`, `log_entries: abc`},
		{"quote in literal", `SELECT * FROM log_entries WHERE msg LIKE '%it''s%'`, `log_entries: it's`},

		// Nothing to take.
		{"short runs", `SELECT * FROM log_entries WHERE msg LIKE '%ab%c_d%'`, ``},
		{"escape", `SELECT * FROM log_entries WHERE msg LIKE '%abc!%%' ESCAPE '!'`, ``},
		{"backslash", `SELECT * FROM log_entries WHERE msg LIKE '%ab\_cd%'`, ``},
		{"not like", `SELECT * FROM log_entries WHERE msg NOT LIKE '%abc%'`, ``},
		{"not", `SELECT * FROM log_entries WHERE NOT msg LIKE '%abc%'`, ``},
		{"ilike", `SELECT * FROM log_entries WHERE msg ILIKE '%abc%'`, ``},
		{"or", `SELECT * FROM log_entries WHERE msg LIKE '%abc%' OR level = 1`, ``},
		{"or in parens", `SELECT * FROM log_entries WHERE (msg LIKE '%abc%' OR level = 1) AND level < 5`, ``},
		{"compared", `SELECT * FROM log_entries WHERE msg LIKE '%abc%' = false`, ``},
		{"other column", `SELECT * FROM log_entries WHERE target LIKE '%abc%'`, ``},
		{"other view", `SELECT * FROM measures WHERE name LIKE '%abc%'`, ``},
		{"expression", `SELECT * FROM log_entries WHERE lower(msg) LIKE '%abc%'`, ``},
		{"parameter", `SELECT * FROM log_entries WHERE msg LIKE ?`, ``},
		{"concatenation", `SELECT * FROM log_entries WHERE msg LIKE '%abc' || '%'`, ``},
		{"unqualified in join", `SELECT * FROM log_entries l JOIN processes p USING (process_id) WHERE msg LIKE '%abc%'`, ``},
		{"outer where", `SELECT * FROM (SELECT * FROM log_entries) WHERE msg LIKE '%abc%'`, ``},
		{"named twice", `SELECT * FROM log_entries WHERE msg LIKE '%abc%' UNION ALL SELECT * FROM log_entries`, ``},
		{"contains of another column", `SELECT * FROM log_entries WHERE contains(target, 'abcd')`, ``},
		{"contains of an expression", `SELECT * FROM log_entries WHERE contains(msg || 'x', 'abcd')`, ``},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for key, b := range boundsOf(t, c.sql) {
				if len(b.Needles) > 0 {
					got = append(got, key+": "+strings.Join(b.Needles, "|"))
				}
			}
			sort.Strings(got)
			if g := strings.Join(got, "; "); g != c.want {
				t.Errorf("%s\n got %q\nwant %q", c.sql, g, c.want)
			}
		})
	}
}

// writeLogMessages writes one log block per insert time holding msgs[i].
func writeLogMessages(t *testing.T, tl *testLake, p *lakehousetest.Process, inserts []time.Time, msgs [][]string) {
	t.Helper()
	ctx := context.Background()
	s := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, p, lakehousetest.KindLog, nil))
	for i, ins := range inserts {
		b := lakehousetest.NewBlock()
		base := ins.Sub(p.StartTime).Milliseconds()
		for j, m := range msgs[i] {
			b.LogString(warnSite, base+int64(j), m)
		}
		if _, err := tl.w.WriteBlock(ctx, s, b, base, base+int64(len(msgs[i])), ins); err != nil {
			t.Fatal(err)
		}
	}
}

// needleLake holds three hourly log_entries partitions (hours 10, 11,
// 12 of 2026-03-01, two blocks each) of which only hour 11 holds the
// rare needle "req-7f3a9c-e1"; it returns the process.
func needleLake(t *testing.T, tl *testLake, slice time.Duration) *lakehousetest.Process {
	t.Helper()
	ctx := context.Background()
	h := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", h, 0, 1000, nil))
	var inserts []time.Time
	var msgs [][]string
	for i := range 6 {
		inserts = append(inserts, h.Add(time.Duration(i)*30*time.Minute+time.Minute))
		m := []string{fmt.Sprintf("request %d done", i), "common text", "ok"}
		if i == 3 {
			m = append(m, "failed: req-7f3a9c-e1 timed out")
		}
		msgs = append(msgs, m)
	}
	writeLogMessages(t, tl, p, inserts, msgs)
	if _, err := tl.MaterializeRange(ctx, LogEntriesView, h, h.Add(3*time.Hour), slice); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkNeedleQueries runs the needle queries over the partitions parts
// (hour0..hour2; the needle is in hour1): the files opened, and the rows
// against those of the same query that no detector reads (OR false).
func checkNeedleQueries(t *testing.T, tl *testLake, parts []catalog.Partition) {
	t.Helper()
	const all = "hour0 hour1 hour2"
	for _, c := range []struct {
		name, where string
		want        string // the files opened
	}{
		{"rare", `msg LIKE '%req-7f3a9c-e1%'`, "hour1"},
		{"rare prefix", `msg LIKE 'failed: req-7f3a9c%'`, "hour1"},
		{"contains", `contains(msg, 'req-7f3a9c')`, "hour1"},
		{"with time", `time >= '2026-03-01T10:00:00Z' AND msg LIKE '%7f3a9c%'`, "hour1"},
		{"underscore", `msg LIKE '%req_7f3a9c_e1%'`, "hour1"},
		{"underscore for a run", `msg LIKE '%req-7f3a9c-e_%'`, "hour1"},
		{"absent", `msg LIKE '%no such text%'`, ""},
		{"common", `msg LIKE '%common text%'`, all},
		{"in all files", `msg LIKE '%done%'`, all},
		{"short", `msg LIKE '%ok%'`, all},
		{"short runs", `msg LIKE '%re_-7_3a%'`, all},
		{"escape", `msg LIKE '%req-7f3a9c-e1%' ESCAPE '!'`, all},
		{"or", `msg LIKE '%req-7f3a9c-e1%' OR level = 99`, all},
		{"not like", `msg NOT LIKE '%req-7f3a9c-e1%'`, all},
		{"ilike", `msg ILIKE '%REQ-7F3A9C-E1%'`, all},
		{"case differs", `msg LIKE '%REQ-7F3A9C%'`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			sql := `SELECT time, msg FROM log_entries WHERE ` + c.where + ` ORDER BY time, msg`
			if got := strings.Join(openedFiles(t, tl, parts, "hour", sql, nil, QueryOptions{}), " "); got != c.want {
				t.Fatalf("files opened: %q, want %q", got, c.want)
			}
			unpruned := `SELECT time, msg FROM log_entries WHERE (` + c.where + `) OR false ORDER BY time, msg`
			if got := strings.Join(openedFiles(t, tl, parts, "hour", unpruned, nil, QueryOptions{}), " "); got != all {
				t.Fatalf("unpruned query opened %q", got)
			}
			want := tl.rows(t, unpruned, QueryOptions{})
			got := tl.rows(t, sql, QueryOptions{})
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("pruned rows:\n%s\nunpruned rows:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if c.want == "hour1" && len(got) != 1 {
				t.Fatalf("got %d rows, want the one with the needle", len(got))
			}
		})
	}
	got := tl.rows(t, `SELECT count(*) FROM log_entries WHERE msg LIKE '%req-7f3a9c-e1%'`, QueryOptions{})
	wantRows(t, got, "1")
}

// checkFilters checks that every file of parts carries a msg trigram
// filter.
func checkFilters(t *testing.T, tl *testLake, parts []catalog.Partition) {
	t.Helper()
	for _, p := range parts {
		path, release, err := tl.localFile(context.Background(), p.FilePath)
		if err != nil {
			t.Fatal(err)
		}
		_, ok, err := engine.ReadKeyValue(path, msgTrigramsKey)
		release()
		if err != nil || !ok {
			t.Fatalf("partition %s has no msg trigram filter (err %v)", p.FilePath, err)
		}
	}
}

// TestMsgTrigramPruning checks that LIKE and contains() on msg open only
// the hourly partitions whose trigram filter may hold the needle, with
// the rows of the unpruned query.
func TestMsgTrigramPruning(t *testing.T) {
	tl := newTestLake(t)
	needleLake(t, tl, time.Hour)
	parts := tl.partitions(t, LogEntriesView, GlobalInstance)
	if len(parts) != 3 {
		t.Fatalf("got %d hour partitions, want 3", len(parts))
	}
	checkFilters(t, tl, parts)
	checkNeedleQueries(t, tl, parts)
	// Cached filters give the same answer; a file without one is read.
	if n := len(tl.filters.entries); n != 3 {
		t.Fatalf("%d filters cached, want 3", n)
	}
}

// TestMsgTrigramPruningMerged checks the filters of merged partitions:
// half-hour blocks materialized into minute partitions, then merged into
// hours (writeQueried).
func TestMsgTrigramPruningMerged(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	needleLake(t, tl, time.Minute)
	if n := len(tl.partitions(t, LogEntriesView, GlobalInstance)); n != 6 {
		t.Fatalf("got %d minute partitions, want 6", n)
	}
	h := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if _, err := tl.MaterializeRange(ctx, LogEntriesView, h, h.Add(3*time.Hour), time.Hour); err != nil {
		t.Fatal(err)
	}
	parts := tl.partitions(t, LogEntriesView, GlobalInstance)
	if len(parts) != 3 || sourceCount(parts[0]) != 2 {
		t.Fatalf("got %d partitions after the hour merge, want 3 of 2 blocks", len(parts))
	}
	checkFilters(t, tl, parts)
	checkNeedleQueries(t, tl, parts)
}

// TestMsgTrigramPruningInstance checks view_instance('log_entries', pid):
// its just-in-time partitions carry filters, and a needle opens only the
// one that may hold it.
func TestMsgTrigramPruningInstance(t *testing.T) {
	tl := newTestLake(t)
	p := needleLake(t, tl, time.Hour)
	all := `SELECT time, msg FROM view_instance('log_entries', '` + p.ProcessID + `') ORDER BY time, msg`
	if got := tl.rows(t, all, QueryOptions{}); len(got) != 19 {
		t.Fatalf("view_instance has %d rows, want 19", len(got))
	}
	parts := tl.partitions(t, LogEntriesView, p.ProcessID)
	checkFilters(t, tl, parts)
	sql := `SELECT time, msg FROM view_instance('log_entries', '` + p.ProcessID + `') WHERE msg LIKE '%req-7f3a9c-e1%'`
	opened := openedFiles(t, tl, parts, "part", sql, nil, QueryOptions{})
	if len(parts) < 2 || len(opened) != 1 {
		t.Fatalf("view_instance: %d partitions, opened %v; want one file of several", len(parts), opened)
	}
	wantRows(t, tl.rows(t, sql, QueryOptions{}), "2026-03-01T11:31:00.003Z | failed: req-7f3a9c-e1 timed out")
}

// TestMsgTrigramPruningOldFiles checks that a partition file without a
// filter (written before filters existed) is always read.
func TestMsgTrigramPruningOldFiles(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	needleLake(t, tl, time.Hour)
	v, _ := lookupView(LogEntriesView)
	old := tl.partitions(t, LogEntriesView, GlobalInstance)[0]
	blocks, err := tl.opts.Catalog.ListBlocks(ctx, catalog.BlockFilter{Tag: v.tag, InsertedFrom: old.BeginInsertTime, InsertedTo: old.EndInsertTime})
	if err != nil {
		t.Fatal(err)
	}
	s, err := tl.convertBlocks(ctx, v, blocks)
	if err != nil {
		t.Fatal(err)
	}
	defer s.release()
	// writePartition without the filter (s.trigrams stays nil).
	p := newPartition(v, GlobalInstance, old.BeginInsertTime, old.EndInsertTime, s.sources, s.rows)
	p.FilePath = partitionKey(v.name, GlobalInstance, old.BeginInsertTime)
	if p.FileSize, err = tl.writeObject(ctx, p.FilePath, s.writeParquet); err != nil {
		t.Fatal(err)
	}
	p.MinEventTime, p.MaxEventTime = time.Unix(0, s.minTime).UTC(), time.Unix(0, s.maxTime).UTC()
	if err := tl.commitPartition(ctx, p); err != nil {
		t.Fatal(err)
	}
	parts := tl.partitions(t, LogEntriesView, GlobalInstance)
	if len(parts) != 3 || parts[0].FilePath != p.FilePath {
		t.Fatalf("partitions %v, want the rewritten hour first", parts)
	}
	sql := `SELECT msg FROM log_entries WHERE msg LIKE '%req-7f3a9c-e1%'`
	if got := strings.Join(openedFiles(t, tl, parts, "hour", sql, nil, QueryOptions{}), " "); got != "hour0 hour1" {
		t.Fatalf("files opened: %q, want the file without a filter and hour1", got)
	}
	wantRows(t, tl.rows(t, sql, QueryOptions{}), "failed: req-7f3a9c-e1 timed out")
}
