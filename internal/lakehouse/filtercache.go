package lakehouse

import (
	"container/list"
	"sync"

	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/ngram"
)

// maxCachedFilters bounds the msg trigram filters kept in memory (128
// bytes to 64 KiB each): 512 take at most 32 MiB.
const maxCachedFilters = 512

// filterCache keeps the decoded msg trigram filters of partition files
// by object key, least recently used evicted first. Partition files are
// immutable, so an entry never goes stale; a nil filter records a file
// without one.
type filterCache struct {
	mu      sync.Mutex
	entries map[string]*list.Element // values are *filterEntry
	lru     list.List                // front = most recently used
}

type filterEntry struct {
	key string
	f   *ngram.Filter
}

// get returns the cached filter of key; known is false when the file
// has not been read yet.
func (c *filterCache) get(key string) (f *ngram.Filter, known bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(el)
	return el.Value.(*filterEntry).f, true
}

// put caches the filter of key (nil: the file has none).
func (c *filterCache) put(key string, f *ngram.Filter) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]*list.Element{}
	}
	if el, ok := c.entries[key]; ok {
		el.Value.(*filterEntry).f = f
		c.lru.MoveToFront(el)
		return
	}
	c.entries[key] = c.lru.PushFront(&filterEntry{key: key, f: f})
	for c.lru.Len() > maxCachedFilters {
		el := c.lru.Back()
		c.lru.Remove(el)
		delete(c.entries, el.Value.(*filterEntry).key)
	}
}

// fileFilter returns the msg trigram filter of the partition file key,
// whose local copy is at path: from the cache, else read from the file's
// footer and cached. A file without a valid filter gives nil (it is read
// whatever the needles).
func (l *Lakehouse) fileFilter(key, path string) *ngram.Filter {
	if f, known := l.filters.get(key); known {
		return f
	}
	v, ok, err := engine.ReadKeyValue(path, msgTrigramsKey)
	if err != nil {
		l.log.Debug("msg trigram filter not read", "file", key, "err", err)
		return nil // not cached: DuckDB reports a bad file
	}
	var f *ngram.Filter
	if ok {
		if f, err = ngram.Decode(v); err != nil {
			l.log.Warn("bad msg trigram filter", "file", key, "err", err)
			f = nil
		}
	}
	l.filters.put(key, f)
	return f
}

// mayHoldAll reports whether a file whose filter is f may hold rows
// containing every needle (f nil: no filter, always).
func mayHoldAll(f *ngram.Filter, needles []string) bool {
	if f == nil {
		return true
	}
	for _, n := range needles {
		if !f.MayContain(n) {
			return false
		}
	}
	return true
}
