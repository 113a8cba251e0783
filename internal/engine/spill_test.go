package engine

import (
	"errors"
	"os"
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
