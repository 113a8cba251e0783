package maintenance

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/catalog/catalogtest"
	"github.com/micromegas-go/micromegas/internal/catalog/postgres"
	"github.com/micromegas-go/micromegas/internal/catalog/postgres/pgtest"
	"github.com/micromegas-go/micromegas/internal/catalog/sqlite"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/lakehouse"
	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

// env is a lakehouse over a real catalog and a local folder store. The
// catalog stamps insert times with clock, so tests can write old data.
type env struct {
	lake  *lakehouse.Lakehouse
	store catalog.Store
	clock *catalogtest.Clock
	blobs *blobstore.Store
	w     *lakehousetest.Writer
}

// backend opens the catalog of an env.
type backend struct {
	name string
	open func(t *testing.T, dir string, clock *catalogtest.Clock) catalog.Store
}

var (
	sqliteFile = backend{"sqlite", func(t *testing.T, dir string, clock *catalogtest.Clock) catalog.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(dir, "catalog.db"), sqlite.WithClock(clock.Now))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}}
	postgresDB = backend{"postgres", func(t *testing.T, _ string, clock *catalogtest.Clock) catalog.Store {
		s, err := postgres.Open(t.Context(), pgtest.NewDatabase(t), postgres.WithClock(clock.Now))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}}
	backends = []backend{sqliteFile, postgresDB}
)

func newEnv(t *testing.T, b backend) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	clock := &catalogtest.Clock{}
	store := b.open(t, dir, clock)
	t.Cleanup(func() { store.Close() })
	objects, cache := filepath.Join(dir, "objects"), filepath.Join(dir, "cache")
	for _, d := range []string{objects, cache} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	blobs, err := blobstore.Open(ctx, "file://"+filepath.ToSlash(objects))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	eng, err := engine.Open(ctx, engine.Options{AllowedDirectories: []string{objects, cache}, Threads: 2, MemoryLimit: "1GB"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	lake, err := lakehouse.New(lakehouse.Options{Catalog: store, Blobs: blobs, Engine: eng, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	return &env{lake: lake, store: store, clock: clock, blobs: blobs,
		w: &lakehousetest.Writer{Catalog: lakehousetest.NewStore(store), Blobs: blobs}}
}

// rows runs sql and returns the first column of every row as text.
func (e *env) rows(t *testing.T, sql string) []string {
	t.Helper()
	rdr, err := e.lake.Query(context.Background(), sql, lakehouse.QueryOptions{})
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rdr.Release()
	var out []string
	for rdr.Next() {
		col := rdr.RecordBatch().Column(0)
		for i := range col.Len() {
			out = append(out, strings.Clone(col.ValueStr(i))) // the batch's memory is reused
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func (e *env) count(t *testing.T, sql string) int64 {
	t.Helper()
	rows := e.rows(t, sql)
	if len(rows) != 1 {
		t.Fatalf("%s: %d rows, want 1", sql, len(rows))
	}
	n, err := strconv.ParseInt(rows[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
