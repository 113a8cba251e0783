package engine

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
)

func TestMemoryLimitAndSpill(t *testing.T) {
	// A sort of 8M rows needs more than 64MB.
	const q = "SELECT sum(x) FROM (SELECT range * 7 % 1000003 AS x, range AS pad FROM range(8000000) ORDER BY x LIMIT 7000000)"
	t.Run("no temp dir", func(t *testing.T) {
		e, _ := openEngine(t, Options{MemoryLimit: "64MB", Threads: 1})
		_, err := tryCollect(e, q)
		if err == nil {
			t.Fatal("query over the memory limit succeeded without spilling")
		}
		if !strings.Contains(err.Error(), "Out of Memory") || errors.Is(err, ErrInvalidQuery) {
			t.Errorf("err = %v, want an out of memory error that is not an invalid query", err)
		}
	})
	t.Run("spills to temp dir", func(t *testing.T) {
		tmp := t.TempDir()
		e, _ := openEngine(t, Options{MemoryLimit: "64MB", Threads: 1, TempDir: tmp})
		res := collect(t, e, q)
		if len(res.rows) != 1 || res.rows[0][0] == nil {
			t.Errorf("got %v", res.rows)
		}
		if _, err := os.Stat(tmp); err != nil {
			t.Error(err)
		}
	})
}

// TestTempDirectoryLimit checks that max_temp_directory_size stops a query
// that would spill more, with an out of memory error, and that the engine
// answers the next query.
func TestTempDirectoryLimit(t *testing.T) {
	const q = "SELECT sum(x) FROM (SELECT range * 7 % 1000003 AS x, range AS pad FROM range(8000000) ORDER BY x LIMIT 7000000)"
	e, _ := openEngine(t, Options{MemoryLimit: "64MB", Threads: 1, TempDir: t.TempDir(), MaxTempDirectorySize: "1MB"})
	_, err := tryCollect(e, q)
	if err == nil {
		t.Fatal("a query spilling more than max_temp_directory_size succeeded")
	}
	if !strings.Contains(err.Error(), "Out of Memory") || !strings.Contains(err.Error(), "max_temp_directory_size") || errors.Is(err, ErrInvalidQuery) {
		t.Errorf("err = %v, want an out of memory error naming max_temp_directory_size", err)
	}
	if res := collect(t, e, "SELECT 42 AS x"); len(res.rows) != 1 {
		t.Errorf("next query: %v", res.rows)
	}
}

// TestMaxConcurrentQueries checks that a query waits while
// MaxConcurrentQueries readers are open, and runs once one is released.
func TestMaxConcurrentQueries(t *testing.T) {
	e, _ := openEngine(t, Options{MaxConcurrentQueries: 1})
	first, err := e.Query(context.Background(), "SELECT * FROM range(10000000)", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		r, err := e.Query(ctx, "SELECT 1", nil)
		if err == nil {
			r.Release()
		}
		errc <- err
	}()
	for e.db.Stats().WaitCount == 0 {
		runtime.Gosched()
	}
	select {
	case err := <-errc:
		t.Fatalf("the second query ended (%v) while the first held the only slot", err)
	default:
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting query: %v, want context.Canceled", err)
	}
	first.Release()
	if res := collect(t, e, "SELECT 42 AS x"); len(res.rows) != 1 {
		t.Errorf("query after release: %v", res.rows)
	}
	if got := e.db.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("MaxOpenConnections = %d, want 1", got)
	}
}
