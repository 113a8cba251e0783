package ingest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/blobstore/s3test"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/catalog/postgres"
	"github.com/micromegas-go/micromegas/internal/catalog/postgres/pgtest"
	"github.com/micromegas-go/micromegas/internal/catalog/sqlite"
)

// backend is a pair of stores a test server runs on.
type backend struct {
	name string
	// open returns fresh, empty stores (closed when the test ends).
	open func(t *testing.T) (catalog.Store, *blobstore.Store)
}

// sqliteFile is the embedded default: SQLite and a local folder.
func sqliteFile() backend {
	return backend{name: "sqlite+file", open: func(t *testing.T) (catalog.Store, *blobstore.Store) {
		dir := t.TempDir()
		return openSQLite(t, filepath.Join(dir, "catalog.db")), openBlobs(t, "file://"+filepath.Join(dir, "objects"))
	}}
}

// postgresS3 is the production pair: PostgreSQL and SeaweedFS (a fresh
// database and bucket per test on the given server).
func postgresS3(srv *s3test.Server) backend {
	return backend{name: "postgres+s3", open: func(t *testing.T) (catalog.Store, *blobstore.Store) {
		return openPostgres(t, pgtest.NewDatabase(t)), openBlobs(t, srv.NewBucket(t))
	}}
}

func openSQLite(t *testing.T, path string) catalog.Store {
	t.Helper()
	c, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func openPostgres(t *testing.T, conn string) catalog.Store {
	t.Helper()
	c, err := postgres.Open(t.Context(), conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func openBlobs(t *testing.T, uri string) *blobstore.Store {
	t.Helper()
	b, err := blobstore.Open(t.Context(), uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// startServer serves the ingestion routes on a free loopback port and
// returns its base URL.
func startServer(t *testing.T, opts Options) string {
	t.Helper()
	opts.Addr = "127.0.0.1:0"
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return "http://" + s.Addr().String()
}

// post sends body to base+path and returns the status and the response
// text.
func post(t *testing.T, base, path string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(base+path, "application/cbor", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(msg)
}

// mustPost fails the test unless the request is acknowledged.
func mustPost(t *testing.T, base, path string, body []byte) {
	t.Helper()
	if code, msg := post(t, base, path, body); code != http.StatusOK {
		t.Fatalf("POST %s: %d %s", path, code, msg)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(msg)
}

// must returns a function that fails t on error, for calls returning a
// body and an error: must(t)(p.ProcessBody()).
func must(t *testing.T) func([]byte, error) []byte {
	return func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

// blockRows returns the catalog rows of one block id.
func blockRows(t *testing.T, c catalog.Store, processID, blockID string) []catalog.Block {
	t.Helper()
	blocks, err := c.ListBlocks(t.Context(), catalog.BlockFilter{ProcessID: processID})
	if err != nil {
		t.Fatal(err)
	}
	var out []catalog.Block
	for _, b := range blocks {
		if b.BlockID == blockID {
			out = append(out, b)
		}
	}
	return out
}

// objectKeys lists the keys under prefix.
func objectKeys(t *testing.T, s *blobstore.Store, prefix string) []string {
	t.Helper()
	var keys []string
	if err := s.List(t.Context(), prefix, func(key string, _ int64) error {
		keys = append(keys, key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}
