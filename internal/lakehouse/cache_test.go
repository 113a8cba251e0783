package lakehouse

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFileCacheLRU checks the size bound, the eviction order and pinning.
func TestFileCacheLRU(t *testing.T) {
	dir := t.TempDir()
	c, err := newFileCache(dir, 25)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 10)
	_, relA, err := c.add("views/a", data)
	if err != nil {
		t.Fatal(err)
	}
	_, relB, err := c.add("views/b", data)
	if err != nil {
		t.Fatal(err)
	}
	relA()
	relB()
	// Using a makes b the least recently used.
	if _, rel, ok := c.pin("views/a"); !ok {
		t.Fatal("a is not cached")
	} else {
		rel()
	}
	_, relC, err := c.add("views/c", data) // 30 bytes > 25: b goes
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := c.pin("views/b"); ok {
		t.Fatal("b should have been evicted")
	}
	if _, err := os.Stat(filepath.Join(dir, "views", "b")); !os.IsNotExist(err) {
		t.Fatalf("b's file: %v, want deleted", err)
	}
	// A pinned file is never evicted, even over budget.
	pathA, relA2, ok := c.pin("views/a")
	if !ok {
		t.Fatal("a is not cached")
	}
	_, relD, err := c.add("views/d", data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pathA); err != nil {
		t.Fatalf("pinned file evicted: %v", err)
	}
	relA2()
	relC()
	relD()
	if got := c.bytes(); got > 25 {
		t.Fatalf("cache holds %d bytes after unpinning, want at most 25", got)
	}
	// A new cache indexes the files left by the previous one.
	c2, err := newFileCache(dir, 100)
	if err != nil {
		t.Fatal(err)
	}
	if c2.bytes() != c.bytes() {
		t.Fatalf("reindexed %d bytes, want %d", c2.bytes(), c.bytes())
	}
}
