package dictwrite

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/micromegas-go/micromegas/internal/engine"
)

// dict16 is the dictionary type of the views' string columns.
var dict16 = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}

// newEngine opens a DuckDB engine allowed to read a temporary folder,
// which it returns.
func newEngine(t *testing.T) (*engine.Engine, string) {
	t.Helper()
	dir := t.TempDir()
	eng, err := engine.Open(context.Background(), engine.Options{AllowedDirectories: []string{dir}, Threads: 2, MemoryLimit: "1GB"})
	check(t, err)
	t.Cleanup(func() { eng.Close() })
	return eng, dir
}

func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

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

// TestWriter writes an engine result through a Writer: the
// string columns become dict16 with one dictionary per record, records
// are cut before a dictionary overflows or a row group fills, nulls and
// the other columns pass through, and the file reads back the same.
func TestWriter(t *testing.T) {
	ctx := context.Background()
	eng, dir := newEngine(t)
	const n, distinct = 150_000, 40_000 // more values than Int16 indices address
	const src = `SELECT 'v' || (i % 40000) AS s, i, CASE WHEN i % 7 = 0 THEN NULL ELSE 'n' || (i % 3) END AS maybe
		FROM range(150000) t(i)`
	view := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: dict16}, {Name: "i", Type: arrow.PrimitiveTypes.Int64}, {Name: "maybe", Type: dict16},
	}, nil)
	rdr, err := eng.Query(ctx, src, nil)
	check(t, err)
	defer rdr.Release()
	path := filepath.Join(dir, "dict.parquet")
	f, err := os.Create(path)
	check(t, err)
	var pw *engine.ParquetWriter
	var sizes []int64
	dw := New(rdr.Schema(), view, func(rec arrow.RecordBatch) error {
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
	pw, err = engine.NewParquetWriter(f, dw.Schema())
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
		r, err := eng.Query(ctx, q, table)
		check(t, err)
		r.Next()
		if c := r.RecordBatch().Column(0).ValueStr(0); c != "0" {
			t.Errorf("%s: %s rows differ", q, c)
		}
		r.Release()
	}
}

// TestWriterPassThrough checks that a result without a column to
// encode is written as it comes.
func TestWriterPassThrough(t *testing.T) {
	eng, _ := newEngine(t)
	rdr, err := eng.Query(context.Background(), `SELECT 'a' AS s, 1 AS i`, nil)
	check(t, err)
	defer rdr.Release()
	var got []int64
	dw := New(rdr.Schema(), arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}, {Name: "t", Type: dict16}}, nil), func(rec arrow.RecordBatch) error { got = append(got, rec.NumRows()); return nil })
	if !dw.Schema().Equal(rdr.Schema()) {
		t.Fatalf("schema %s, want %s", dw.Schema(), rdr.Schema())
	}
	for rdr.Next() {
		check(t, dw.Write(rdr.RecordBatch()))
	}
	check(t, dw.Flush())
	if len(got) != 1 || got[0] != 1 {
		t.Fatalf("got records of %v rows, want one of 1", got)
	}
}
