package lakehouse

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog/sqlite"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

// testLake is a lakehouse over a SQLite catalog and a local object store
// in a temporary folder.
type testLake struct {
	*Lakehouse
	w     *lakehousetest.Writer
	store *lakehousetest.Store
	blobs *blobstore.Store
	eng   *engine.Engine
	dir   string
}

func newTestLake(t testing.TB) *testLake {
	t.Helper()
	return newTestLakeIn(t, t.TempDir())
}

// newTestLakeIn is newTestLake over the catalog and objects already in
// dir, if any (the query benchmarks keep their generated data there).
func newTestLakeIn(t testing.TB, dir string) *testLake {
	t.Helper()
	ctx := context.Background()
	cat, err := sqlite.Open(ctx, filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	objects := filepath.Join(dir, "objects")
	if err := os.MkdirAll(objects, 0o755); err != nil {
		t.Fatal(err)
	}
	blobs, err := blobstore.Open(ctx, "file://"+filepath.ToSlash(objects))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	cache := filepath.Join(dir, "cache")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	eng, err := engine.Open(ctx, engine.Options{AllowedDirectories: []string{cache, objects}, Threads: 2, MemoryLimit: "1GB"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	store := lakehousetest.NewStore(cat)
	lake, err := New(Options{Catalog: store, Blobs: blobs, Engine: eng, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	return &testLake{Lakehouse: lake, w: &lakehousetest.Writer{Catalog: store, Blobs: blobs}, store: store,
		blobs: blobs, eng: eng, dir: dir}
}

// rows runs sql and returns its rows as strings (cells joined by " | ").
func (tl *testLake) rows(t testing.TB, sql string, opts QueryOptions) []string {
	t.Helper()
	out, err := tl.tryRows(sql, opts)
	if err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return out
}

func (tl *testLake) tryRows(sql string, opts QueryOptions) ([]string, error) {
	return tl.tryRowsArgs(sql, nil, opts)
}

// rowsArgs is rows with args bound to the parameter markers of sql.
func (tl *testLake) rowsArgs(t testing.TB, sql string, args []any, opts QueryOptions) []string {
	t.Helper()
	out, err := tl.tryRowsArgs(sql, args, opts)
	if err != nil {
		t.Fatalf("query %q %v: %v", sql, args, err)
	}
	return out
}

func (tl *testLake) tryRowsArgs(sql string, args []any, opts QueryOptions) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rdr, err := tl.QueryParams(ctx, sql, args, opts)
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	return readRows(rdr)
}

// readRows reads every row of rdr as its cells' text joined by " | ".
func readRows(rdr interface {
	Next() bool
	RecordBatch() arrow.RecordBatch
	Err() error
}) ([]string, error) {
	var out []string
	for rdr.Next() {
		rec := rdr.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			cells := make([]string, rec.NumCols())
			for j, c := range rec.Columns() {
				cells[j] = strings.Clone(c.ValueStr(i)) // Arrow strings alias C memory freed by Next
			}
			out = append(out, strings.Join(cells, " | "))
		}
	}
	return out, rdr.Err()
}

// wantRows compares rows with the expected ones, in order.
func wantRows(t testing.TB, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// t0 is the start time of the test processes.
var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func ts(d time.Duration) string { return t0.Add(d).Format(time.RFC3339Nano) }

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
