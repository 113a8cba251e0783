package lakehouse

import (
	"container/list"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// fileCache keeps local copies of partition files of a remote object
// store, so that DuckDB (which reads local files only) can scan them. It
// is bounded in bytes and evicts the least recently used files that no
// running query uses (a query pins its files until it ends). Partition
// files are immutable, so a cached copy never goes stale.
type fileCache struct {
	dir      string
	maxBytes int64

	mu      sync.Mutex
	entries map[string]*cacheEntry // by object key
	lru     *list.List             // front = most recently used; values are *cacheEntry
	size    int64
}

type cacheEntry struct {
	key, path string
	size      int64
	pins      int
	elem      *list.Element
}

// newFileCache indexes the files already in dir (oldest first).
func newFileCache(dir string, maxBytes int64) (*fileCache, error) {
	c := &fileCache{dir: dir, maxBytes: maxBytes, entries: map[string]*cacheEntry{}, lru: list.New()}
	if dir == "" {
		return c, nil
	}
	type found struct {
		key  string
		size int64
		mod  int64
	}
	var files []found
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".tmp") || strings.HasPrefix(filepath.ToSlash(rel), tailDir+"/") {
			return os.Remove(path) // leftovers of a previous run
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, found{filepath.ToSlash(rel), info.Size(), info.ModTime().UnixNano()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("index partition cache %s: %w", dir, err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].mod < files[j].mod })
	for _, f := range files {
		e := &cacheEntry{key: f.key, path: filepath.Join(dir, filepath.FromSlash(f.key)), size: f.size}
		e.elem = c.lru.PushFront(e)
		c.entries[f.key] = e
		c.size += f.size
	}
	c.mu.Lock()
	c.evictLocked()
	c.mu.Unlock()
	return c, nil
}

// tailDir is the cache sub-folder of the per-query files (JIT tails and
// function results), removed when their query ends.
const tailDir = "_query"

// pin returns the local path of a cached key and a release function, or
// ok false when the key is not cached.
func (c *fileCache) pin(key string) (path string, release func(), ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return "", nil, false
	}
	e.pins++
	c.lru.MoveToFront(e.elem)
	return e.path, c.unpinFunc(e), true
}

func (c *fileCache) unpinFunc(e *cacheEntry) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			e.pins--
			c.evictLocked()
			c.mu.Unlock()
		})
	}
}

// add stores data under key and pins it.
func (c *fileCache) add(key string, data []byte) (string, func(), error) {
	path := filepath.Join(c.dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", nil, fmt.Errorf("cache partition %s: %w", key, err)
	}
	tmp := path + "." + uuid.NewString() + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return "", nil, fmt.Errorf("cache partition %s: %w", key, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return "", nil, fmt.Errorf("cache partition %s: %w", key, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		e = &cacheEntry{key: key, path: path, size: int64(len(data))}
		e.elem = c.lru.PushFront(e)
		c.entries[key] = e
		c.size += e.size
	} else {
		c.lru.MoveToFront(e.elem)
	}
	e.pins++
	release := c.unpinFunc(e)
	c.evictLocked()
	return path, release, nil
}

// evictLocked deletes unpinned files, least recently used first, until
// the cache fits its budget.
func (c *fileCache) evictLocked() {
	for el := c.lru.Back(); el != nil && c.size > c.maxBytes; {
		e := el.Value.(*cacheEntry)
		prev := el.Prev()
		if e.pins == 0 {
			os.Remove(e.path)
			c.lru.Remove(el)
			delete(c.entries, e.key)
			c.size -= e.size
		}
		el = prev
	}
}

// bytes returns the size of the cached files.
func (c *fileCache) bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

// localFile returns a local path of an object and a function to call when
// the caller no longer reads it: in place for a local object store, else
// a pinned copy in the cache.
func (l *Lakehouse) localFile(ctx context.Context, key string) (string, func(), error) {
	if p, ok := l.opts.Blobs.LocalPath(key); ok {
		return p, func() {}, nil
	}
	if l.opts.CacheDir == "" {
		return "", nil, fmt.Errorf("partition %s: the object store is remote and no cache folder is set", key)
	}
	if path, release, ok := l.cache.pin(key); ok {
		return path, release, nil
	}
	data, err := l.opts.Blobs.Get(ctx, key)
	if err != nil {
		return "", nil, fmt.Errorf("fetch partition %s: %w", key, err)
	}
	return l.cache.add(key, data)
}
