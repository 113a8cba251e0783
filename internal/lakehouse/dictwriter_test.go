package lakehouse

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/micromegas-go/micromegas/internal/cputime"
	"github.com/micromegas-go/micromegas/internal/engine"
)

// parquetSchema returns the Arrow schema stored in a Parquet file.
func parquetSchema(t testing.TB, path string) *arrow.Schema {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	check(t, err)
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	check(t, err)
	s, err := fr.Schema()
	check(t, err)
	return s
}

// checkDictionaryFiles checks that every partition file of the global
// instance of view has the dictionary types of the view's schema.
func checkDictionaryFiles(t testing.TB, tl *testLake, view string) {
	t.Helper()
	v, _ := lookupView(view)
	for _, p := range tl.partitions(t, view, GlobalInstance) {
		if p.FilePath == "" {
			continue
		}
		path, release, err := tl.localFile(context.Background(), p.FilePath)
		check(t, err)
		got := parquetSchema(t, path)
		release()
		for _, f := range v.schema.Fields() {
			if f.Type.ID() != arrow.DICTIONARY {
				continue
			}
			idx := got.FieldIndices(f.Name)
			if len(idx) != 1 || !arrow.TypeEqual(got.Field(idx[0]).Type, f.Type) {
				t.Fatalf("%s: file %s has %s, want %s %s", view, p.FilePath, got, f.Name, f.Type)
			}
		}
	}
}

// TestDictWriter writes an engine result through a dictWriter: the
// string columns become dict16 with one dictionary per record, records
// are cut before a dictionary overflows or a row group fills, nulls and
// the other columns pass through, and the file reads back the same.
func TestDictWriter(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	const n, distinct = 150_000, 40_000 // more values than Int16 indices address
	const src = `SELECT 'v' || (i % 40000) AS s, i, CASE WHEN i % 7 = 0 THEN NULL ELSE 'n' || (i % 3) END AS maybe
		FROM range(150000) t(i)`
	view := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: dict16}, {Name: "i", Type: arrow.PrimitiveTypes.Int64}, {Name: "maybe", Type: dict16},
	}, nil)
	rdr, err := tl.eng.Query(ctx, src, nil)
	check(t, err)
	defer rdr.Release()
	path := filepath.Join(tl.dir, "cache", "dict.parquet")
	f, err := os.Create(path)
	check(t, err)
	var pw *engine.ParquetWriter
	var sizes []int64
	dw := newDictWriter(rdr.Schema(), view, func(rec arrow.RecordBatch) error {
		sizes = append(sizes, rec.NumRows())
		for _, j := range []int{0, 2} {
			d := rec.Column(j).(*array.Dictionary)
			if d.Dictionary().Len() > 1<<15 {
				t.Errorf("record of %d rows: column %d has %d dictionary entries", rec.NumRows(), j, d.Dictionary().Len())
			}
		}
		return pw.Write(rec)
	})
	defer dw.Release()
	pw, err = engine.NewParquetWriter(f, dw.schema)
	check(t, err)
	for rdr.Next() {
		check(t, dw.Write(rdr.RecordBatch()))
	}
	check(t, rdr.Err())
	check(t, dw.Flush())
	check(t, pw.Close())
	check(t, f.Close())
	if pw.Rows() != n {
		t.Fatalf("wrote %d rows, want %d", pw.Rows(), n)
	}
	// The first record ends when s may not hold another batch.
	if len(sizes) < 3 || sizes[0] >= distinct || sizes[0] < 1<<15-4096 {
		t.Fatalf("records of %v rows: want cuts before 32768 distinct values", sizes)
	}
	got := parquetSchema(t, path)
	if !arrow.TypeEqual(got.Field(0).Type, dict16) || !arrow.TypeEqual(got.Field(2).Type, dict16) ||
		!arrow.TypeEqual(got.Field(1).Type, arrow.PrimitiveTypes.Int64) {
		t.Fatalf("file schema %s", got)
	}
	table := []engine.Table{{Name: "f", Files: []string{path}}}
	for _, q := range []string{
		`SELECT count(*) FROM (SELECT * FROM f EXCEPT ALL ` + src + `)`,
		`SELECT count(*) FROM (` + src + ` EXCEPT ALL SELECT * FROM f)`,
	} {
		r, err := tl.eng.Query(ctx, q, table)
		check(t, err)
		r.Next()
		if c := r.RecordBatch().Column(0).ValueStr(0); c != "0" {
			t.Errorf("%s: %s rows differ", q, c)
		}
		r.Release()
	}
}

// TestDictWriterPassThrough checks that a result without a column to
// encode is written as it comes.
func TestDictWriterPassThrough(t *testing.T) {
	tl := newTestLake(t)
	rdr, err := tl.eng.Query(context.Background(), `SELECT 'a' AS s, 1 AS i`, nil)
	check(t, err)
	defer rdr.Release()
	var got []int64
	dw := newDictWriter(rdr.Schema(), BlocksSchema, func(rec arrow.RecordBatch) error { got = append(got, rec.NumRows()); return nil })
	if !dw.schema.Equal(rdr.Schema()) {
		t.Fatalf("schema %s, want %s", dw.schema, rdr.Schema())
	}
	for rdr.Next() {
		check(t, dw.Write(rdr.RecordBatch()))
	}
	check(t, dw.Flush())
	if len(got) != 1 || got[0] != 1 {
		t.Fatalf("got records of %v rows, want one of 1", got)
	}
}

// BenchmarkMergeWrite measures what a merge of log_entries partitions
// costs to run and write, with the strings re-encoded as the view's
// dictionaries ("dict", what writeQueried does) and written as the engine
// returns them ("plain", what it did before), on MICROMEGAS_BENCH_EVENTS
// entries (default 1 M) in 24 hour partitions. It reports the CPU time
// per merge and the size of the file.
func BenchmarkMergeWrite(b *testing.B) {
	ctx := context.Background()
	tl := newTestLake(b)
	n := benchEvents()
	genLogs(b, tl, n)
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	_, err := tl.MaterializeRange(ctx, LogEntriesView, day, day.Add(24*time.Hour), time.Hour)
	check(b, err)
	var files []string
	for _, p := range tl.partitions(b, LogEntriesView, GlobalInstance) {
		path, release, err := tl.localFile(ctx, p.FilePath)
		check(b, err)
		b.Cleanup(release)
		files = append(files, path)
	}
	out := filepath.Join(tl.dir, "merge.parquet")
	for _, c := range []struct {
		name string
		view func(result *arrow.Schema) *arrow.Schema
	}{
		{"plain", func(result *arrow.Schema) *arrow.Schema { return result }},
		{"dict", func(*arrow.Schema) *arrow.Schema { return LogEntriesSchema }},
	} {
		b.Run(c.name, func(b *testing.B) {
			var size int64
			cpu0 := cputime.Process()
			for i := 0; i < b.N; i++ {
				rdr, err := tl.eng.Query(ctx, `SELECT * FROM merge_source`, []engine.Table{{Name: "merge_source", Files: files}})
				check(b, err)
				f, err := os.Create(out)
				check(b, err)
				var pw *engine.ParquetWriter
				dw := newDictWriter(rdr.Schema(), c.view(rdr.Schema()), func(rec arrow.RecordBatch) error { return pw.Write(rec) })
				pw, err = engine.NewParquetWriter(f, dw.schema)
				check(b, err)
				for rdr.Next() {
					check(b, dw.Write(rdr.RecordBatch()))
				}
				check(b, rdr.Err())
				check(b, dw.Flush())
				check(b, pw.Close())
				rdr.Release()
				st, err := f.Stat()
				check(b, err)
				size = st.Size()
				check(b, f.Close())
				if pw.Rows() != int64(n) {
					b.Fatalf("merged %d rows, want %d", pw.Rows(), n)
				}
			}
			b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(size), "file-bytes")
		})
	}
}
