package lakehouse

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/micromegas-go/micromegas/internal/engine"
)

// idBatch is a batch of seriesSchema with ids from..from+n-1.
func idBatch(from, n int) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, seriesSchema)
	defer b.Release()
	for i := from; i < from+n; i++ {
		b.Field(0).(*array.Int32Builder).Append(int32(i))
		b.Field(1).(*array.StringBuilder).Append("x")
		b.Field(2).AppendNull()
	}
	return b.NewRecordBatch()
}

// TestTableFilesRotate writes a table function's rows in several files
// and reads them back in order.
func TestTableFilesRotate(t *testing.T) {
	tl := newTestLake(t)
	for _, tc := range []struct {
		name      string
		maxBytes  int64
		wantFiles int
	}{
		{"one file", 1 << 30, 1},
		{"a file per batch", 1, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &tableFiles{dir: filepath.Join(tl.opts.CacheDir, tailDir), maxBytes: tc.maxBytes}
			defer f.abort()
			for i := range 10 {
				rec := idBatch(i*100, 100)
				err := f.write(rec)
				rec.Release()
				check(t, err)
			}
			paths, err := f.close(seriesSchema)
			check(t, err)
			defer func() {
				for _, p := range paths {
					os.Remove(p)
				}
			}()
			if len(paths) != tc.wantFiles {
				t.Fatalf("%d files, want %d", len(paths), tc.wantFiles)
			}
			rdr, err := tl.eng.Query(context.Background(), "SELECT id FROM t", []engine.Table{{Name: "t", Files: paths}})
			check(t, err)
			defer rdr.Release()
			next := int32(0)
			for rdr.Next() {
				ids := rdr.RecordBatch().Column(0).(*array.Int32)
				for i := range ids.Len() {
					if ids.Value(i) != next {
						t.Fatalf("id %d after %d: the files are not read in order", ids.Value(i), next-1)
					}
					next++
				}
			}
			check(t, rdr.Err())
			if next != 1000 {
				t.Errorf("%d rows, want 1000", next)
			}
		})
	}
}

// TestTableFilesAbort checks that files are removed when the function
// fails or returns another schema than its rows'.
func TestTableFilesAbort(t *testing.T) {
	dir := t.TempDir()
	f := &tableFiles{dir: dir, maxBytes: 1}
	for i := range 3 {
		rec := idBatch(i, 1)
		check(t, f.write(rec))
		rec.Release()
	}
	other := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	if _, err := f.close(other); err == nil || !strings.Contains(err.Error(), "but the function returned schema") {
		t.Errorf("close with another schema: %v", err)
	}
	f.abort()
	left, err := os.ReadDir(dir)
	check(t, err)
	if len(left) != 0 {
		t.Errorf("%d files left after abort", len(left))
	}
}
