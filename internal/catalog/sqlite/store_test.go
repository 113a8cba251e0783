package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/catalog/catalogtest"
)

func openTemp(t *testing.T, opts ...Option) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"), opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	catalogtest.Run(t, func(t *testing.T, now func() time.Time) catalog.Store { return openTemp(t, WithClock(now)) })
}

func TestLatestSchemaVersion(t *testing.T) {
	if LatestSchemaVersion != len(migrations) {
		t.Fatalf("LatestSchemaVersion = %d, but there are %d migrations", LatestSchemaVersion, len(migrations))
	}
}

func TestReopenIsNoOp(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "sub", "dir", "catalog.db") // folders are created
	for i := range 3 {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		v, err := s.SchemaVersion(ctx)
		if err != nil || v != LatestSchemaVersion {
			t.Errorf("SchemaVersion #%d = %d, %v; want %d", i, v, err, LatestSchemaVersion)
		}
		var rows int
		if err := s.reader.QueryRowContext(ctx, "SELECT count(*) FROM migration").Scan(&rows); err != nil || rows != LatestSchemaVersion {
			t.Errorf("migration rows #%d = %d, %v; want %d", i, rows, err, LatestSchemaVersion)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
}

// TestSharedFile opens the same file from several stores at once, as
// several processes would, and writes through all of them.
func TestSharedFile(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "catalog.db")
	const n = 4
	stores := make([]*Store, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, path) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Open #%d: %v", i, err)
		}
		defer stores[i].Close()
	}
	for i, s := range stores {
		wg.Go(func() {
			for j := range 20 {
				b := catalog.Block{
					BlockID:   uuidFor(i, j),
					StreamID:  uuidFor(100, 0),
					ProcessID: uuidFor(101, 0),
				}
				if err := s.InsertBlock(ctx, b); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("InsertBlock through store #%d: %v", i, err)
		}
	}
	blocks, err := stores[0].ListBlocks(ctx, catalog.BlockFilter{})
	if err != nil || len(blocks) != n*20 {
		t.Fatalf("ListBlocks = %d blocks, %v; want %d", len(blocks), err, n*20)
	}
}

func uuidFor(i, j int) string {
	const hex = "0123456789abcdef"
	return "00000000-0000-4000-8000-0000000" + string(hex[i/16%16]) + string(hex[i%16]) + "0" + string(hex[j/16%16]) + string(hex[j%16])
}

func TestOpenRejectsBadPaths(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro"} {
		t.Run(path, func(t *testing.T) {
			_, err := Open(context.Background(), path)
			if err == nil || !strings.Contains(err.Error(), "plain file path") {
				t.Errorf("Open(%q) error = %v, want a plain-file-path error", path, err)
			}
		})
	}
}

func TestOpenUnwritableFolder(t *testing.T) {
	_, err := Open(t.Context(), "/proc/nope/catalog.db")
	if err == nil {
		t.Fatal("Open in an unwritable folder succeeded")
	}
	if errors.Is(err, catalog.ErrUnavailable) {
		t.Errorf("a bad path is not an outage: %v", err)
	}
}
