package lakehouse

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
	"github.com/micromegas-go/micromegas/internal/sqltext"
)

// TestFindTimeBounds checks which WHERE clauses give bounds, and that the
// doubtful ones give none.
func TestFindTimeBounds(t *testing.T) {
	const a, b = `'2026-01-01T00:00:00Z'`, `'2026-01-02'`
	for _, c := range []struct {
		name, sql string
		want      string // key: >lower <upper ..., keys sorted, "" for none
	}{
		{"range", `SELECT * FROM log_entries WHERE time >= ` + a + ` AND time < ` + b, `log_entries: >` + a + ` <` + b},
		{"between", `SELECT count(*) FROM measures WHERE "time" BETWEEN ` + a + ` AND ` + b + ` AND name = 'x'`, `measures: >` + a + ` <` + b},
		{"now", `SELECT * FROM log_entries WHERE time > now() - INTERVAL '1 hour' ORDER BY time`, `log_entries: >now() - INTERVAL '1 hour'`},
		{"now upper ignored", `SELECT * FROM log_entries WHERE time < now()`, ``},
		{"interval forms", `FROM log_entries WHERE time > now() - INTERVAL 2 HOUR`, `log_entries: >now() - INTERVAL 2 HOUR`},
		{"flipped", `SELECT * FROM log_entries WHERE ` + a + ` <= time`, `log_entries: >` + a},
		{"equal", `SELECT * FROM log_entries WHERE time = TIMESTAMP '2026-01-01 10:00:00'`, `log_entries: >TIMESTAMP '2026-01-01 10:00:00' <TIMESTAMP '2026-01-01 10:00:00'`},
		{"typed", `SELECT * FROM log_entries WHERE time >= '2026-01-01'::TIMESTAMP AND time <= CAST('2026-01-02' AS TIMESTAMP_NS)`,
			`log_entries: >'2026-01-01'::TIMESTAMP <CAST('2026-01-02' AS TIMESTAMP_NS)`},
		{"alias", `SELECT l.msg FROM log_entries AS l WHERE l.time >= ` + a, `log_entries: >` + a},
		{"parenthesized conjunction", `SELECT * FROM log_entries WHERE (level < 3 AND (time >= ` + a + `)) AND msg LIKE '%x%'`, `log_entries: >` + a},
		{"subquery attributed", `SELECT * FROM processes WHERE process_id IN (SELECT process_id FROM log_entries WHERE time > ` + a + `)`, `log_entries: >` + a}, // processes reads blocks only
		{"in subquery", `SELECT count(*) FROM (SELECT * FROM log_entries WHERE time > ` + a + ` LIMIT 10) s`, `log_entries: >` + a},
		{"cte", `WITH r AS (SELECT * FROM log_entries WHERE time < ` + b + `) SELECT count(*) FROM r`, `log_entries: <` + b},
		{"join qualified", `SELECT * FROM log_entries l JOIN measures m ON l.process_id = m.process_id WHERE l.time > ` + a + ` AND m.time < ` + b,
			`log_entries: >` + a + `; measures: <` + b},
		{"blocks", `SELECT * FROM blocks WHERE insert_time >= ` + a + ` AND begin_time <= ` + b + ` AND end_time > ` + b,
			`blocks: >` + a + ` >` + b + ` <` + b},
		{"view_instance", `SELECT * FROM view_instance('thread_spans', 's1') WHERE "begin" <= ` + b + ` AND "end" >= ` + a,
			`view_instance@14: >` + a + ` <` + b},
		{"view_instance alias", `SELECT * FROM view_instance('log_entries', 'p') AS v WHERE v.time > ` + a, `view_instance@14: >` + a},
		{"parameters", `SELECT * FROM log_entries WHERE time > ? AND ? >= time`, `log_entries: >? <?`},
		{"numbered parameters", `SELECT * FROM log_entries WHERE time BETWEEN $2 AND $1`, `log_entries: >$2 <$1`},
		{"typed parameters", `SELECT * FROM log_entries WHERE time >= $1::TIMESTAMP AND time <= CAST($2 AS TIMESTAMP_NS)`,
			`log_entries: >$1::TIMESTAMP <CAST($2 AS TIMESTAMP_NS)`},
		{"log_stats", `SELECT sum(count) FROM log_stats WHERE time_bin >= ` + a + ` AND time_bin < ` + b + ` AND level < 3`, `log_stats: >` + a + ` <` + b},
		{"group by after", `SELECT level, count(*) FROM log_entries WHERE time >= ` + a + ` GROUP BY level HAVING count(*) > 1`, `log_entries: >` + a},
		{"union other branch", `SELECT msg FROM log_entries WHERE time > ` + a + ` UNION ALL SELECT name FROM measures`, `log_entries: >` + a},

		// Nothing to take.
		{"or", `SELECT * FROM log_entries WHERE time > ` + a + ` OR level = 1`, ``},
		{"or after and", `SELECT * FROM log_entries WHERE time > ` + a + ` AND level = 1 OR level = 2`, ``},
		{"not", `SELECT * FROM log_entries WHERE NOT time > ` + a, ``},
		{"not between", `SELECT * FROM log_entries WHERE time NOT BETWEEN ` + a + ` AND ` + b, ``},
		{"or in parens", `SELECT * FROM log_entries WHERE (time > ` + a + ` OR level = 1) AND level < 5`, ``},
		{"case", `SELECT * FROM log_entries WHERE CASE WHEN level = 1 AND time > ` + a + ` AND true THEN true ELSE false END`, ``},
		{"other column", `SELECT * FROM log_entries WHERE insert_time > ` + a, ``},
		{"not a time column of spans", `SELECT * FROM view_instance('thread_spans', 's') WHERE "begin" >= ` + a, ``},
		{"unqualified in join", `SELECT * FROM log_entries JOIN measures USING (process_id) WHERE time > ` + a, ``},
		{"alias of another table", `SELECT * FROM log_entries l, measures m WHERE m.time > ` + a + ` AND x.time > ` + a, `measures: >` + a},
		{"outer scope", `SELECT * FROM measures WHERE EXISTS (SELECT 1 FROM log_entries l WHERE l.time = measures.time) AND measures.time > ` + a, `measures: >` + a},
		{"outer where on subquery", `SELECT * FROM (SELECT * FROM log_entries) WHERE time > ` + a, ``},
		{"named twice", `SELECT * FROM log_entries WHERE time > ` + a + ` UNION ALL SELECT * FROM log_entries`, ``},
		{"derived view", `SELECT * FROM blocks, processes WHERE blocks.insert_time > ` + a, ``},
		{"string mention", `SELECT * FROM log_entries WHERE time > ` + a + ` AND msg = 'log_entries'`, ``},
		{"asof", `SELECT * FROM measures m ASOF JOIN log_entries l ON m.time >= l.time WHERE l.time > ` + a, ``},
		{"sample", `SELECT * FROM log_entries USING SAMPLE 10 WHERE time > ` + a, ``},
		{"column expression", `SELECT * FROM log_entries WHERE time + INTERVAL 1 HOUR > ` + a, ``},
		{"not a constant", `SELECT * FROM log_entries WHERE time > (SELECT max(time) FROM measures)`, ``},
		{"function of a column", `SELECT * FROM log_entries WHERE date_trunc('day', time) > ` + a, ``},
		{"having only", `SELECT level FROM log_entries GROUP BY level HAVING max(time) > ` + a, ``},
		{"qualified schema", `SELECT * FROM main.log_entries WHERE time > ` + a, ``},
		{"parameter in an expression", `SELECT * FROM log_entries WHERE time > ? + INTERVAL 1 HOUR`, ``},
		{"marker and number apart", `SELECT * FROM log_entries WHERE time > $ 1`, ``},
		{"parameter of another type", `SELECT * FROM log_entries WHERE time > ?::VARCHAR`, ``},
		{"log_stats has no time column", `SELECT * FROM log_stats WHERE time > ` + a, ``},
		{"two comparisons", `SELECT * FROM log_entries WHERE time > ` + a + ` = true`, ``},
		{"not equal", `SELECT * FROM log_entries WHERE time <> ` + a, ``},
		{"column aliases", `SELECT * FROM log_entries l(a, b, time) WHERE time > ` + a, ``},
		{"in select list", `SELECT time > ` + a + ` FROM log_entries`, ``},
		{"lateral", `SELECT * FROM log_entries l, LATERAL (SELECT 1) x WHERE l.time > ` + a, ``},
		{"describe", `DESCRIBE log_entries`, ``},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for key, b := range boundsOf(t, c.sql) {
				s := key + ":"
				for _, e := range b.Lower {
					s += " >" + e.Text
				}
				for _, e := range b.Upper {
					s += " <" + e.Text
				}
				got = append(got, s)
			}
			sort.Strings(got)
			if g := strings.Join(got, "; "); g != c.want {
				t.Errorf("%s\n got %q\nwant %q", c.sql, g, c.want)
			}
		})
	}
}

// TestSQLTimePruning checks that time predicates in the SQL text open only
// the partitions they need, like the query_range headers, and that the
// results equal those of the same query unpruned.
func TestSQLTimePruning(t *testing.T) {
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
	files := func(sql string, opts QueryOptions) []string {
		t.Helper()
		return openedFiles(t, tl, parts, "hour", sql, nil, opts)
	}
	for _, c := range []struct {
		name, where string
		opts        QueryOptions
		want        string // the files opened
	}{
		{"range", `time >= '2026-03-01T11:00:00Z' AND time < '2026-03-01T12:00:00Z'`, QueryOptions{}, "hour1"},
		{"between", `"time" BETWEEN '2026-03-01 11:00:00' AND '2026-03-01 11:59:59'`, QueryOptions{}, "hour1"},
		{"offset", `time >= '2026-03-01T12:00:00+01:00' AND time < TIMESTAMP '2026-03-01 12:00:00'`, QueryOptions{}, "hour1"},
		{"lower only", `time > '2026-03-01T10:30:00Z'`, QueryOptions{}, "hour1 hour2"},
		{"upper only", `level > 0 AND time < '2026-03-01T11:30:00Z'`, QueryOptions{}, "hour0 hour1"},
		{"intersected with the headers", `time > '2026-03-01T10:30:00Z'`, QueryOptions{Begin: h, End: h.Add(2*time.Hour - time.Nanosecond)}, "hour1"},
		{"empty", `time > '2026-03-01T12:30:00Z' AND time < '2026-03-01T11:30:00Z'`, QueryOptions{}, ""},
		// WHERE binds time to the column, not to the select-list alias.
		{"select alias", `time >= '2026-03-01T11:00:00Z' AND time < '2026-03-01T12:00:00Z'`, QueryOptions{}, "hour1"},
		{"not pruned: or", `time >= '2026-03-01T11:00:00Z' AND time < '2026-03-01T12:00:00Z' OR false`, QueryOptions{}, "hour0 hour1 hour2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sel := `SELECT time, msg`
			if c.name == "select alias" {
				sel = `SELECT time - INTERVAL 1 HOUR AS time, msg`
			}
			sql := sel + ` FROM log_entries WHERE ` + c.where + ` ORDER BY time`
			if got := strings.Join(files(sql, c.opts), " "); got != c.want {
				t.Fatalf("files opened: %q, want %q", got, c.want)
			}
			// The same rows as the query the detector cannot read (OR false).
			unpruned := sel + ` FROM log_entries WHERE (` + c.where + `) OR false ORDER BY time`
			if got := strings.Join(files(unpruned, QueryOptions{}), " "); got != "hour0 hour1 hour2" {
				t.Fatalf("unpruned query opened %q", got)
			}
			want := tl.rows(t, unpruned, c.opts)
			got := tl.rows(t, sql, c.opts)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("pruned rows:\n%s\nunpruned rows:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if c.want == "hour1" && len(got) != 2 {
				t.Fatalf("got %d rows, want the 2 of the second hour", len(got))
			}
		})
	}
	// view_instance: only the just-in-time partition of the second hour
	// is converted and read.
	sql := `SELECT count(*) FROM view_instance('log_entries', '` + p.ProcessID + `') WHERE time >= '2026-03-01T11:00:00Z' AND time < '2026-03-01T12:00:00Z'`
	if got := files(sql, QueryOptions{}); len(got) != 1 {
		t.Fatalf("view_instance opened %v, want one file", got)
	}
	if n := len(tl.partitions(t, LogEntriesView, p.ProcessID)); n != 1 {
		t.Fatalf("%d just-in-time partitions converted, want 1", n)
	}
	wantRows(t, tl.rows(t, sql, QueryOptions{}), "2")
	// now() bounds are evaluated by the engine.
	qp := &queryPlan{l: tl.Lakehouse, sql: `SELECT * FROM log_entries WHERE time > now() - INTERVAL '1 hour'`}
	defer qp.cleanup()
	if _, _, err := qp.plan(ctx); err != nil {
		t.Fatal(err)
	}
	r := qp.rangeFor(LogEntriesView)
	if d := time.Since(r.lo); d < time.Hour || d > time.Hour+time.Minute || !r.hi.IsZero() {
		t.Fatalf("now() - 1 hour gave the range %v - %v", r.lo, r.hi)
	}
}

// openedFiles plans sql with args bound as QueryParams binds them and
// returns the files its tables read, a file of parts[i] named prefix+i.
func openedFiles(t *testing.T, tl *testLake, parts []catalog.Partition, prefix, sql string, args []any, opts QueryOptions) []string {
	t.Helper()
	text, rest, err := tl.bindTableArgs(sql, args)
	if err != nil {
		t.Fatal(err)
	}
	qp := &queryPlan{l: tl.Lakehouse, opts: opts, sql: text, args: rest}
	defer qp.cleanup()
	_, tables, err := qp.plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tb := range tables {
		for _, f := range append(tb.Files, tb.Inside...) {
			for i, p := range parts {
				if strings.HasSuffix(filepath.ToSlash(f), p.FilePath) {
					f = sprintf("%s%d", prefix, i)
				}
			}
			out = append(out, f)
		}
	}
	return out
}

// TestSQLTimePruningTail checks that the blocks a query converts for
// itself (those no partition holds yet) are selected by the SQL range too.
func TestSQLTimePruningTail(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	h := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", h, 0, 1000, nil))
	writeLogBlocks(t, tl, p, 2, h.Add(time.Minute), h.Add(time.Hour+time.Minute), h.Add(2*time.Hour+time.Minute))
	converted := func(sql string) string {
		t.Helper()
		qp := &queryPlan{l: tl.Lakehouse, sql: sql}
		defer qp.cleanup()
		_, tables, err := qp.plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rdr, err := tl.eng.Query(ctx, `SELECT count(*) FROM log_entries`, tables)
		if err != nil {
			t.Fatal(err)
		}
		defer rdr.Release()
		rdr.Next()
		return rdr.RecordBatch().Column(0).ValueStr(0)
	}
	const where = ` WHERE time >= '2026-03-01T11:00:00Z' AND time < '2026-03-01T12:00:00Z'`
	if n := converted(`SELECT msg FROM log_entries` + where); n != "2" {
		t.Fatalf("%s rows converted for one hour, want the 2 of its block", n)
	}
	if n := converted(`SELECT msg FROM log_entries WHERE (time >= '2026-03-01T11:00:00Z') OR false`); n != "6" {
		t.Fatalf("%s rows converted without a usable predicate, want 6", n)
	}
	wantRows(t, tl.rows(t, `SELECT msg FROM log_entries`+where+` ORDER BY msg`, QueryOptions{}), "block 1 entry 0", "block 1 entry 1")
}

// TestSQLTimePruningThreadSpans checks the pruning of a just-in-time
// thread_spans view by "begin"/"end" predicates: one chunk converted and
// read, the rows of the unpruned query.
func TestSQLTimePruningThreadSpans(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", t0, 0, 1000, nil))
	s := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, p, lakehousetest.KindCPU, map[string]string{"thread-name": "main"}))
	a := site("a", 1)
	for k := range int64(3) {
		base := k * 3_600_000 // one hour of ticks
		b := lakehousetest.NewBlock()
		b.BeginSpan(a, base+100)
		b.EndSpan(a, base+200)
		if _, err := tl.w.WriteBlock(ctx, s, b, base, base+1000, t0.Add(time.Duration(k)*time.Hour+2*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	where := ` WHERE "end" >= '` + ts(time.Hour) + `' AND "begin" <= '` + ts(time.Hour+time.Minute) + `'`
	sql := `SELECT "begin", "end", name FROM view_instance('thread_spans', '` + s.StreamID + `') AS t` + where + ` ORDER BY "begin", depth`
	qp := &queryPlan{l: tl.Lakehouse, sql: sql}
	_, tables, err := qp.plan(ctx)
	qp.cleanup()
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 || len(tables[0].Files)+len(tables[0].Inside) != 1 {
		t.Fatalf("tables %+v: want the one file of the second hour", tables)
	}
	if n := len(tl.partitions(t, ThreadSpansView, s.StreamID)); n != 1 {
		t.Fatalf("%d just-in-time partitions converted, want 1", n)
	}
	got := tl.rows(t, sql, QueryOptions{})
	unpruned := strings.Replace(sql, where, ` WHERE (`+where[len(" WHERE "):]+`) OR false`, 1)
	wantRows(t, tl.rows(t, unpruned, QueryOptions{}), got...)
	if len(got) != 2 { // the thread's root span and a
		t.Fatalf("got %v", got)
	}
}

// boundsOf runs sqltext.FindBounds on sql with the views' schema.
func boundsOf(t *testing.T, sql string) map[string]sqltext.Bounds {
	t.Helper()
	toks, err := sqltext.Scan(sql)
	if err != nil {
		t.Fatal(err)
	}
	calls, err := sqltext.FindCalls(toks, tableFunctions)
	if err != nil {
		t.Fatal(err)
	}
	return sqltext.FindBounds(sql, toks, calls, boundSchema)
}
