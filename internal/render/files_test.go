package render

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// dump describes a decoded file for its golden file: the schema, the
// number of batches (or row groups) and the rows as CSV.
func dump(t *testing.T, schema *arrow.Schema, parts int, recs []arrow.RecordBatch) []byte {
	t.Helper()
	rdr, err := array.NewRecordReader(schema, recs)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%s\nparts: %d\n", schema, parts)
	if err := Write(&buf, CSV, nil, rdr); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The binary formats' goldens hold what a reader decodes from the file,
// not its bytes: the bytes depend on the library version.
func TestGoldenFiles(t *testing.T) {
	t.Run("parquet", func(t *testing.T) {
		var out bytes.Buffer
		if err := Write(&out, Parquet, nil, sampleReader(t)); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(out.Bytes(), []byte("PAR1")) {
			t.Fatal("not a Parquet file")
		}
		pf, err := file.NewParquetReader(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		defer pf.Close()
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := fr.ReadTable(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer tbl.Release()
		tr := array.NewTableReader(tbl, -1)
		defer tr.Release()
		var recs []arrow.RecordBatch
		for tr.Next() {
			rec := tr.RecordBatch()
			rec.Retain()
			defer rec.Release()
			recs = append(recs, rec)
		}
		checkGolden(t, "sample.parquet.golden", dump(t, tbl.Schema(), pf.NumRowGroups(), recs))
	})
	t.Run("arrow", func(t *testing.T) {
		var out bytes.Buffer
		if err := Write(&out, Arrow, nil, sampleReader(t)); err != nil {
			t.Fatal(err)
		}
		fr, err := ipc.NewFileReader(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("not an Arrow IPC file: %v", err)
		}
		defer fr.Close()
		var recs []arrow.RecordBatch
		for i := range fr.NumRecords() {
			rec, err := fr.RecordBatch(i)
			if err != nil {
				t.Fatal(err)
			}
			rec.Retain()
			defer rec.Release()
			recs = append(recs, rec)
		}
		checkGolden(t, "sample.arrow.golden", dump(t, fr.Schema(), fr.NumRecords(), recs))
	})
}
