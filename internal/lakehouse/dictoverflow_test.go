package lakehouse

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

// overflowCase is a partition built from blocks whose rows hold more
// distinct values of a dict16 column than Int16 indices address (32768).
// Row k of the partition (block k/perBlock) is at tick k, except in
// copies, where every block holds the one row k = 0 (and rows are
// compared in the order of their block ids).
type overflowCase struct {
	name             string
	view, kind       string
	blocks, perBlock int
	copies           bool
	add              func(blk *lakehousetest.Block, k int)
	cols             string                             // the columns compared, in SQL
	want             func(k int, blockID string) string // row k of cols
	distinct         string                             // a column over the limit
	distinctN        int
}

// TestDictionaryOverflow builds partitions of log_entries, measures and
// async_events whose dictionary columns (block_id in a minute of 33,000
// blocks; targets, metric names, span names and files) hold more than
// 32768 distinct values: each materializes, its rows read back right,
// and the file keeps dict16 columns, dictionary-encoded in every row
// group.
func TestDictionaryOverflow(t *testing.T) {
	const many = 1<<15 + 232 // blocks, one row each
	logSite := &lakehousetest.LogSite{Fmt: "f", Target: "app", Module: "m", File: "f.rs", Line: 1, Level: 3}
	metricSite := &lakehousetest.MetricSite{Name: "frame", Unit: "ms", Target: "render"}
	spanSite := &lakehousetest.SpanSite{Name: "job", Target: "jobs", Module: "m", File: "job.rs", Line: 1}
	n := strconv.Itoa
	cases := []overflowCase{
		{name: "log block_id", view: LogEntriesView, kind: lakehousetest.KindLog, blocks: many, perBlock: 1, copies: true,
			add:  func(blk *lakehousetest.Block, k int) { blk.LogString(logSite, int64(k), "e"+n(k)) },
			cols: "block_id, target, msg", want: func(k int, id string) string { return id + " | app | e" + n(k) },
			distinct: "block_id", distinctN: many},
		{name: "log target", view: LogEntriesView, kind: lakehousetest.KindLog, blocks: 40, perBlock: 1000,
			add: func(blk *lakehousetest.Block, k int) {
				blk.LogString(&lakehousetest.LogSite{Fmt: "f", Target: "t" + n(k), Module: "m", File: "f.rs", Line: 1, Level: 3}, int64(k), "e"+n(k))
			},
			cols: "target, msg", want: func(k int, _ string) string { return "t" + n(k) + " | e" + n(k) },
			distinct: "target", distinctN: 40_000},
		{name: "measures block_id", view: MeasuresView, kind: lakehousetest.KindMetrics, blocks: many, perBlock: 1, copies: true,
			add:  func(blk *lakehousetest.Block, k int) { blk.FloatMetric(metricSite, int64(k), float64(k)) },
			cols: "block_id, name, CAST(value AS BIGINT)", want: func(k int, id string) string { return id + " | frame | " + n(k) },
			distinct: "block_id", distinctN: many},
		{name: "measures name and target", view: MeasuresView, kind: lakehousetest.KindMetrics, blocks: 40, perBlock: 1000,
			add: func(blk *lakehousetest.Block, k int) {
				blk.FloatMetric(&lakehousetest.MetricSite{Name: "m" + n(k), Unit: "ms", Target: "t" + n(k/2)}, int64(k), float64(k))
			},
			cols: "name, target, unit, CAST(value AS BIGINT)", want: func(k int, _ string) string { return "m" + n(k) + " | t" + n(k/2) + " | ms | " + n(k) },
			distinct: "name", distinctN: 40_000},
		{name: "async block_id", view: AsyncEventsView, kind: lakehousetest.KindCPU, blocks: many, perBlock: 1, copies: true,
			add:  func(blk *lakehousetest.Block, k int) { blk.BeginAsync(spanSite, uint64(k+1), 0, 0, int64(k)) },
			cols: "block_id, name, span_id", want: func(k int, id string) string { return id + " | job | " + n(k+1) },
			distinct: "block_id", distinctN: many},
		{name: "async name and filename", view: AsyncEventsView, kind: lakehousetest.KindCPU, blocks: 40, perBlock: 1000,
			add: func(blk *lakehousetest.Block, k int) {
				site := &lakehousetest.SpanSite{Name: "s" + n(k), Target: "jobs", Module: "m", File: "f" + n(k) + ".rs", Line: 1}
				blk.BeginAsync(site, uint64(k+1), 0, 0, int64(k))
			},
			cols: "name, filename, span_id", want: func(k int, _ string) string { return "s" + n(k) + " | f" + n(k) + ".rs | " + n(k+1) },
			distinct: "filename", distinctN: 40_000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t) })
	}
}

func (c overflowCase) run(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	// One tick per microsecond; block k inserted k µs after the minute.
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", t0, 0, 1_000_000, nil))
	s := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, p, c.kind, nil))
	inserts := make([]time.Time, c.blocks)
	for i := range inserts {
		inserts[i] = t0.Add(time.Duration(i) * time.Microsecond)
	}
	var blocks []catalog.Block
	order := "time"
	if c.copies {
		blk := lakehousetest.NewBlock()
		c.add(blk, 0)
		blocks = must[[]catalog.Block](t)(tl.w.PutCopies(ctx, s, blk, 0, 1, inserts))
		slices.SortFunc(blocks, func(a, b catalog.Block) int { return strings.Compare(a.BlockID, b.BlockID) })
		order = "block_id"
	} else {
		for i, ins := range inserts {
			blk := lakehousetest.NewBlock()
			first := i * c.perBlock
			for k := first; k < first+c.perBlock; k++ {
				c.add(blk, k)
			}
			blocks = append(blocks, must[catalog.Block](t)(tl.w.PutBlock(ctx, s, blk, int64(first), int64(first+c.perBlock), ins)))
		}
	}
	wantRow := func(r int) string {
		if c.copies {
			return c.want(0, blocks[r].BlockID)
		}
		return c.want(r, blocks[r/c.perBlock].BlockID)
	}
	v, _ := lookupView(c.view)
	instance := GlobalInstance
	if !v.global {
		instance = p.ProcessID
	}
	part, err := tl.buildPartition(ctx, v, instance, t0, t0.Add(time.Minute), blocks)
	check(t, err)
	rows := c.blocks * c.perBlock
	if part.NumRows != int64(rows) || sourceCount(part) != int64(c.blocks) {
		t.Fatalf("partition of %d rows from %d blocks, want %d rows from %d", part.NumRows, sourceCount(part), rows, c.blocks)
	}
	path, release, err := tl.localFile(ctx, part.FilePath)
	check(t, err)
	defer release()
	checkDictionaryColumns(t, path, v.schema)

	table := []engine.Table{{Name: "part", Files: []string{path}}}
	got := engineRows(t, tl, `SELECT `+c.cols+` FROM part ORDER BY `+order, table)
	if len(got) != rows {
		t.Fatalf("read %d rows back, want %d", len(got), rows)
	}
	for r, row := range got {
		if want := wantRow(r); row != want {
			t.Fatalf("row %d is %q, want %q", r, row, want)
		}
	}
	distinct := engineRows(t, tl, `SELECT count(DISTINCT `+c.distinct+`) FROM part`, table)
	if want := strconv.Itoa(c.distinctN); len(distinct) != 1 || distinct[0] != want {
		t.Fatalf("count(DISTINCT %s) = %v, want %s", c.distinct, distinct, want)
	}
	if v.global { // and through the view
		last := wantRow(rows - 1)
		wantRows(t, tl.rows(t, `SELECT count(*), count(DISTINCT `+c.distinct+`) FROM `+c.view, QueryOptions{}),
			strconv.Itoa(rows)+" | "+strconv.Itoa(c.distinctN))
		wantRows(t, tl.rows(t, `SELECT `+c.cols+` FROM `+c.view+` ORDER BY `+order+` DESC LIMIT 1`, QueryOptions{}), last)
	}
}

// engineRows runs sql on the engine over tables, rows as in testLake.rows.
func engineRows(t testing.TB, tl *testLake, sql string, tables []engine.Table) []string {
	t.Helper()
	rdr, err := tl.eng.Query(context.Background(), sql, tables)
	check(t, err)
	defer rdr.Release()
	out, err := readRows(rdr)
	check(t, err)
	return out
}

// checkDictionaryColumns checks that the Parquet file at path stores the
// dictionary columns of schema as dict16 and, in every row group, with a
// dictionary page and only dictionary-encoded data pages (a record whose
// dictionary differs from the last one of its row group makes the writer
// fall back to plain pages).
func checkDictionaryColumns(t testing.TB, path string, schema *arrow.Schema) {
	t.Helper()
	got := parquetSchema(t, path)
	pf, err := file.OpenParquetFile(path, false)
	check(t, err)
	defer pf.Close()
	md := pf.MetaData()
	for j, f := range schema.Fields() {
		if f.Type.ID() != arrow.DICTIONARY {
			continue
		}
		if !arrow.TypeEqual(got.Field(j).Type, f.Type) {
			t.Fatalf("file column %s is %s, want %s", got.Field(j).Name, got.Field(j).Type, f.Type)
		}
		for g := 0; g < md.NumRowGroups(); g++ {
			cc, err := md.RowGroup(g).ColumnChunk(j)
			check(t, err)
			if !cc.HasDictionaryPage() {
				t.Fatalf("row group %d of %d: column %s has no dictionary page", g, md.NumRowGroups(), f.Name)
			}
			for _, st := range cc.EncodingStats() {
				if strings.HasPrefix(st.PageType.String(), "DATA_PAGE") && st.Encoding != parquet.Encodings.RLEDict {
					t.Fatalf("row group %d of %d: column %s has %s data pages", g, md.NumRowGroups(), f.Name, st.Encoding)
				}
			}
		}
	}
}

// TestThreadSpansDictionaryOverflow converts a thread stream whose spans
// have 40,000 distinct names, targets and files, more than one row
// group's Int16 indices address: the rows are written as several row
// groups, each dictionary-encoded, and read back right (under the root
// span of the thread).
func TestThreadSpansDictionaryOverflow(t *testing.T) {
	const blocks, perBlock = 40, 1000
	ctx := context.Background()
	tl := newTestLake(t)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", t0, 0, 1_000_000, nil))
	s := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, p, lakehousetest.KindCPU, map[string]string{"thread-name": "main"}))
	for i := range blocks {
		blk := lakehousetest.NewBlock()
		for k := i * perBlock; k < (i+1)*perBlock; k++ { // span k: ticks [2k, 2k+1]
			st := site("s"+strconv.Itoa(k), 1)
			blk.BeginSpan(st, int64(2*k))
			blk.EndSpan(st, int64(2*k+1))
		}
		_, err := tl.w.WriteBlock(ctx, s, blk, int64(2*i*perBlock), int64(2*(i+1)*perBlock), time.Time{})
		check(t, err)
	}
	from := `view_instance('thread_spans', '` + s.StreamID + `')`
	got := tl.rows(t, `SELECT name, target, filename, duration FROM `+from+` WHERE depth > 0 ORDER BY begin`, QueryOptions{})
	if len(got) != blocks*perBlock {
		t.Fatalf("got %d spans, want %d", len(got), blocks*perBlock)
	}
	for k, row := range got {
		n := "s" + strconv.Itoa(k)
		if want := n + " | t::" + n + " | " + n + ".rs | 1000"; row != want {
			t.Fatalf("span %d is %q, want %q", k, row, want)
		}
	}
	wantRows(t, tl.rows(t, `SELECT count(DISTINCT name), count(DISTINCT target), count(DISTINCT filename) FROM `+from+` WHERE depth > 0`, QueryOptions{}),
		"40000 | 40000 | 40000")
	parts := tl.partitions(t, ThreadSpansView, s.StreamID)
	if len(parts) != 1 {
		t.Fatalf("%d partitions, want 1", len(parts))
	}
	path, release, err := tl.localFile(ctx, parts[0].FilePath)
	check(t, err)
	defer release()
	checkDictionaryColumns(t, path, ThreadSpansSchema)
}

// TestMergeDictionaryOverflow merges two second partitions of log_entries
// of 20,000 distinct targets each into a minute of 40,000: the merged
// file (dictWriter) is cut into row groups that each keep a dictionary
// page and only dictionary-encoded data (a record cut early must not
// share a row group with the next one, whose dictionary differs), and
// reads back the same rows.
func TestMergeDictionaryOverflow(t *testing.T) {
	const blocks, perBlock = 40, 1000
	ctx := context.Background()
	tl := newTestLake(t)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", t0, 0, 1_000_000, nil))
	s := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, p, lakehousetest.KindLog, nil))
	for i := range blocks { // blocks 0–19 inserted in the first second, 20–39 in the next
		blk := lakehousetest.NewBlock()
		for k := i * perBlock; k < (i+1)*perBlock; k++ {
			st := &lakehousetest.LogSite{Fmt: "f", Target: "t" + strconv.Itoa(k), Module: "m", File: "f.rs", Line: 1, Level: 3}
			blk.LogString(st, int64(k), "e"+strconv.Itoa(k))
		}
		ins := t0.Add(time.Duration(i/20)*time.Second + time.Duration(i)*time.Millisecond)
		_, err := tl.w.WriteBlock(ctx, s, blk, int64(i*perBlock), int64((i+1)*perBlock), ins)
		check(t, err)
	}
	const q = `SELECT count(*), count(DISTINCT target), count(*) FILTER (WHERE target = 't' || substr(msg, 2)) FROM log_entries`
	for _, slice := range []time.Duration{time.Second, time.Minute} {
		_, err := tl.MaterializeRange(ctx, LogEntriesView, t0, t0.Add(time.Minute), slice)
		check(t, err)
		parts := tl.partitions(t, LogEntriesView, GlobalInstance)
		if want := map[time.Duration]int{time.Second: 2, time.Minute: 1}[slice]; len(parts) != want {
			t.Fatalf("%v slices: %d partitions, want %d", slice, len(parts), want)
		}
		checkDictionaryFiles(t, tl, LogEntriesView)
		for _, part := range parts {
			path, release, err := tl.localFile(ctx, part.FilePath)
			check(t, err)
			checkDictionaryColumns(t, path, LogEntriesSchema)
			release()
		}
		wantRows(t, tl.rows(t, q, QueryOptions{}), "40000 | 40000 | 40000")
	}
}
