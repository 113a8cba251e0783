package engine

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

const t0 = int64(1767225600_000000000) // 2026-01-01T00:00:00Z

func TestQueryOverFiles(t *testing.T) {
	e, dir := openEngine(t, Options{})
	f1 := writeLogFile(t, dir, "a.parquet", []logRow{
		{process: "p1", time: t0 + 3, level: 2, msg: "c"},
		{process: "p1", time: t0 + 1, level: 4, msg: "a"},
	})
	f2 := writeLogFile(t, dir, "b.parquet", []logRow{
		{process: "p2", time: t0 + 2, level: 3, msg: "b"},
	})
	logs := Table{Name: "log_entries", Files: []string{f1, f2}, Schema: logSchema}
	tests := []struct {
		name string
		sql  string
		want [][]any
	}{
		{"all rows", "SELECT process_id, time, level, msg FROM log_entries ORDER BY time",
			[][]any{{"p1", t0 + 1, int32(4), "a"}, {"p2", t0 + 2, int32(3), "b"}, {"p1", t0 + 3, int32(2), "c"}}},
		{"filter", "SELECT msg FROM log_entries WHERE level <= 3 ORDER BY msg", [][]any{{"b"}, {"c"}}},
		{"aggregate", "SELECT process_id, count(*) AS n FROM log_entries GROUP BY ALL ORDER BY 1",
			[][]any{{"p1", int64(2)}, {"p2", int64(1)}}},
		{"quoted name", `SELECT count(*) FROM "log_entries"`, [][]any{{int64(3)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := collect(t, e, tc.sql, logs)
			if !reflect.DeepEqual(got.rows, tc.want) {
				t.Errorf("got %v, want %v", got.rows, tc.want)
			}
		})
	}
}

func TestEmptyTableHasTheSchemaOfFiles(t *testing.T) {
	e, dir := openEngine(t, Options{})
	f := writeLogFile(t, dir, "a.parquet", []logRow{{process: "p", time: t0, msg: "m", props: map[string]string{"k": "v"}}})
	full := collect(t, e, "SELECT * FROM log_entries", Table{Name: "log_entries", Files: []string{f}})
	empty := collect(t, e, "SELECT * FROM log_entries", Table{Name: "log_entries", Schema: logSchema})
	if len(empty.rows) != 0 {
		t.Fatalf("empty table returned %d rows", len(empty.rows))
	}
	if !empty.schema.Equal(full.schema) {
		t.Fatalf("empty table schema\n%s\nwant (from files)\n%s", empty.schema, full.schema)
	}
	wantNames := []string{"process_id", "time", "level", "msg", "properties"}
	for i, f := range empty.schema.Fields() {
		if f.Name != wantNames[i] {
			t.Errorf("column %d is %q, want %q", i, f.Name, wantNames[i])
		}
	}
	if got := empty.schema.Field(1).Type; !arrow.TypeEqual(got, TimestampType) {
		t.Errorf("time column type %s, want %s", got, TimestampType)
	}
}

func TestTablesArePerQuery(t *testing.T) {
	e, dir := openEngine(t, Options{})
	const workers = 6
	files := make([][]string, workers)
	for w := range workers {
		for k := range w + 1 {
			rows := make([]logRow, 10*(w+1))
			for i := range rows {
				rows[i] = logRow{process: fmt.Sprint(w), time: t0 + int64(i), msg: "m"}
			}
			files[w] = append(files[w], writeLogFile(t, dir, fmt.Sprintf("w%d-%d.parquet", w, k), rows))
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*5)
	for w := range workers {
		wg.Go(func() {
			table := Table{Name: "log_entries", Files: files[w]}
			want := int64(10 * (w + 1) * (w + 1))
			for range 5 {
				res, err := tryCollect(e, "SELECT count(*), min(process_id), max(process_id) FROM log_entries", table)
				if err != nil {
					errs <- err
					return
				}
				got := res.rows[0]
				if got[0] != want || got[1] != fmt.Sprint(w) || got[2] != fmt.Sprint(w) {
					errs <- fmt.Errorf("worker %d saw %v, want count %d of process %d only", w, got, want, w)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// A table of one query is not visible to the next one.
	if _, err := tryCollect(e, "SELECT * FROM log_entries"); !errors.Is(err, ErrInvalidQuery) {
		t.Errorf("table leaked to a later query: err = %v", err)
	}
}

func TestQueryStreams(t *testing.T) {
	e, _ := openEngine(t, Options{})
	start := time.Now()
	// 1e12 rows: materializing them would take hours and terabytes.
	r, err := e.Query(context.Background(), "SELECT range AS i FROM range(1000000000000)", nil)
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	for i := 0; i < 10 && r.Next(); i++ {
		rows += r.RecordBatch().NumRows()
	}
	if rows != 10*2048 {
		t.Errorf("read %d rows in 10 batches, want %d", rows, 10*2048)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("first batches took %v: the result is not streamed", d)
	}
	r.Release()
	waitIdle(t, e)
}

func TestCancelStopsQuery(t *testing.T) {
	e, _ := openEngine(t, Options{})
	// 1e6 x 1e9 rows: the small side is hashed, the big one probed forever.
	const cross = "SELECT count(*) FROM range(1000000) a, range(1000000000) b WHERE a.range + b.range = -1"
	t.Run("while executing", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		r, err := e.Query(ctx, cross, nil)
		if err == nil {
			r.Release()
			t.Fatal("query over 1e18 rows finished")
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 2500*time.Millisecond {
			t.Errorf("cancel took %v", d)
		}
	})
	t.Run("while streaming", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// 1M rows come first (more than DuckDB's stream buffer, so Query
		// returns), then an endless scan with no output.
		r, err := e.Query(ctx, "SELECT range FROM range(1000000000000) WHERE range < 1000000 OR range < 0", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Release()
		if !r.Next() {
			t.Fatalf("no first batch: %v", r.Err())
		}
		// DuckDB hands out the buffered rows, then a fetch runs the endless
		// scan until cancelled.
		time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		for r.Next() {
		}
		if !errors.Is(r.Err(), context.Canceled) {
			t.Errorf("Err() = %v, want context.Canceled", r.Err())
		}
		if d := time.Since(start); d > 2500*time.Millisecond {
			t.Errorf("cancel took %v", d)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		e, _ := openEngine(t, Options{QueryTimeout: 300 * time.Millisecond})
		_, err := e.Query(context.Background(), cross, nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
	})
	// Connections that saw an interrupt serve later queries normally.
	waitIdle(t, e)
	for i := range 20 {
		res := collect(t, e, "SELECT 42 AS x")
		if len(res.rows) != 1 || res.rows[0][0] != int32(42) {
			t.Fatalf("query %d after cancel: %v", i, res.rows)
		}
	}
}

func TestReleaseMidStreamFreesConnection(t *testing.T) {
	e, _ := openEngine(t, Options{})
	for range 20 {
		r, err := e.Query(context.Background(), "SELECT * FROM range(100000000)", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Next() {
			t.Fatal(r.Err())
		}
		r.Release()
	}
	waitIdle(t, e)
}

func TestDescribe(t *testing.T) {
	e, dir := openEngine(t, Options{})
	f := writeLogFile(t, dir, "a.parquet", []logRow{{process: "p", time: t0, msg: "m"}})
	tables := []Table{{Name: "log_entries", Files: []string{f}}}
	const q = "SELECT time, msg, level + 1 AS l, now() AS n, date_bin('1 minute', time) AS bin FROM log_entries"
	got, err := e.Describe(context.Background(), q, tables)
	if err != nil {
		t.Fatal(err)
	}
	want := collect(t, e, q, tables...).schema
	if !got.Equal(want) {
		t.Errorf("Describe = %s\nQuery schema = %s", got, want)
	}
	if _, err := e.Describe(context.Background(), "SELECT * FROM nope", nil); !errors.Is(err, ErrInvalidQuery) {
		t.Errorf("Describe of a bad query: err = %v, want ErrInvalidQuery", err)
	}
}

func TestNativeConn(t *testing.T) {
	e, _ := openEngine(t, Options{})
	conn, err := e.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		raw, err := nativeConn(dc)
		if err == nil && raw.Ptr == nil {
			err = errors.New("nil handle")
		}
		return err
	})
	if err != nil {
		t.Fatalf("native connection handle: %v", err)
	}
	if _, err := nativeConn(struct{}{}); err == nil {
		t.Error("nativeConn accepted a non-duckdb connection")
	}
}

// waitIdle waits until every connection is back in the pool.
func waitIdle(t testing.TB, e *Engine) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.db.Stats().InUse != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still in use", e.db.Stats().InUse)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestNextAfterEndKeepsReturningFalse(t *testing.T) {
	e, _ := openEngine(t, Options{})
	r, err := e.Query(context.Background(), "SELECT range FROM range(100000)", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	for r.Next() {
	}
	for range 3 {
		if r.Next() {
			t.Fatal("Next returned true after the end")
		}
	}
	if r.Err() != nil {
		t.Errorf("Err() after the end = %v", r.Err())
	}
}

// TestInsideFilesSkipTheFilter checks that Table.Filter applies to Files
// and not to Inside, and that either list may be empty.
func TestInsideFilesSkipTheFilter(t *testing.T) {
	e, dir := openEngine(t, Options{})
	edge := writeLogFile(t, dir, "edge.parquet", []logRow{{process: "p", time: t0 + 1, msg: "out"}, {process: "p", time: t0 + 5, msg: "edge"}})
	inside := writeLogFile(t, dir, "inside.parquet", []logRow{{process: "p", time: t0 + 6, msg: "in"}})
	// Filter rejects "in" too: Inside files are the caller's promise that
	// the filter holds, so they are read unfiltered.
	filter := "epoch_ns(time) >= " + fmt.Sprint(t0+5) + " AND msg <> 'in'"
	tests := []struct {
		name          string
		files, inside []string
		want          [][]any
	}{
		{"both", []string{edge}, []string{inside}, [][]any{{"edge"}, {"in"}}},
		{"inside only", nil, []string{inside}, [][]any{{"in"}}},
		{"files only", []string{edge}, nil, [][]any{{"edge"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs := Table{Name: "log_entries", Files: tc.files, Inside: tc.inside, Filter: filter, Schema: logSchema}
			got := collect(t, e, "SELECT msg FROM log_entries ORDER BY time", logs)
			if !reflect.DeepEqual(got.rows, tc.want) {
				t.Errorf("got %v, want %v", got.rows, tc.want)
			}
		})
	}
	// Without a filter, Inside files are plain files.
	logs := Table{Name: "log_entries", Files: []string{edge}, Inside: []string{inside}, Schema: logSchema}
	if got := collect(t, e, "SELECT count(*) FROM log_entries", logs); !reflect.DeepEqual(got.rows, [][]any{{int64(3)}}) {
		t.Errorf("no filter: got %v, want 3 rows", got.rows)
	}
	// Inside files are checked against the allowed directories like Files.
	bad := Table{Name: "log_entries", Inside: []string{"/etc/passwd"}, Schema: logSchema}
	if _, err := e.Query(context.Background(), "SELECT 1 FROM log_entries", []Table{bad}); err == nil {
		t.Error("an Inside file outside the allowed directories was accepted")
	}
}
