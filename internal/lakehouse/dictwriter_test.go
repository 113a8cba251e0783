package lakehouse

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/micromegas-go/micromegas/internal/cputime"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/lakehouse/dictwrite"
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
				dw := dictwrite.New(rdr.Schema(), c.view(rdr.Schema()), func(rec arrow.RecordBatch) error { return pw.Write(rec) })
				pw, err = engine.NewParquetWriter(f, dw.Schema())
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
