package lakehouse

import (
	"container/list"
	"sync"

	"github.com/micromegas-go/micromegas/internal/bloom"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/ngram"
)

// maxCachedFilters bounds the filters of one kind kept in memory: 512
// msg trigram filters (128 bytes to 64 KiB each) take at most 32 MiB.
const maxCachedFilters = 512

// maxCachedTraceFilterBytes bounds the trace id filters kept in memory
// (up to 2 MiB each).
const maxCachedTraceFilterBytes = 64 << 20

// filterCache keeps the decoded filters of partition files by object
// key, least recently used evicted first, at most maxCachedFilters of
// them and, when size is set, at most maxBytes of them. Partition files
// are immutable, so an entry never goes stale; a nil filter records a
// file without one.
type filterCache[F comparable] struct {
	size     func(F) int // nil: entries count for nothing
	maxBytes int

	mu      sync.Mutex
	entries map[string]*list.Element // values are *filterEntry[F]
	lru     list.List                // front = most recently used
	bytes   int
}

type filterEntry[F comparable] struct {
	key  string
	f    F
	size int
}

// get returns the cached filter of key; known is false when the file
// has not been read yet.
func (c *filterCache[F]) get(key string) (f F, known bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return f, false
	}
	c.lru.MoveToFront(el)
	return el.Value.(*filterEntry[F]).f, true
}

// forget removes the filters of keys (retired partition files).
func (c *filterCache[F]) forget(keys []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if el, ok := c.entries[k]; ok {
			c.bytes -= el.Value.(*filterEntry[F]).size
			c.lru.Remove(el)
			delete(c.entries, k)
		}
	}
}

// put caches the filter of key (nil: the file has none).
func (c *filterCache[F]) put(key string, f F) {
	size := 0
	var zero F
	if c.size != nil && f != zero {
		size = c.size(f)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]*list.Element{}
	}
	if el, ok := c.entries[key]; ok {
		e := el.Value.(*filterEntry[F])
		c.bytes += size - e.size
		e.f, e.size = f, size
		c.lru.MoveToFront(el)
	} else {
		c.entries[key] = c.lru.PushFront(&filterEntry[F]{key: key, f: f, size: size})
		c.bytes += size
	}
	for c.lru.Len() > maxCachedFilters || (c.maxBytes > 0 && c.bytes > c.maxBytes && c.lru.Len() > 1) {
		el := c.lru.Back()
		e := el.Value.(*filterEntry[F])
		c.lru.Remove(el)
		delete(c.entries, e.key)
		c.bytes -= e.size
	}
}

// cachedFilter returns the filter stored under metaKey in the footer of
// the partition file key, whose local copy is at path: from the cache,
// else read from the file, decoded and cached. A file without a valid
// filter gives nil (it is read whatever the query asks).
func cachedFilter[F comparable](l *Lakehouse, c *filterCache[F], key, path, metaKey string, decode func(string) (F, error)) F {
	if f, known := c.get(key); known {
		return f
	}
	var zero F
	v, ok, err := engine.ReadKeyValue(path, metaKey)
	if err != nil {
		l.log.Debug("file filter not read", "file", key, "filter", metaKey, "err", err)
		return zero // not cached: DuckDB reports a bad file
	}
	f := zero
	if ok {
		if f, err = decode(v); err != nil {
			l.log.Warn("bad file filter", "file", key, "filter", metaKey, "err", err)
			f = zero
		}
	}
	c.put(key, f)
	return f
}

// fileFilter returns the msg trigram filter of the partition file key
// (see cachedFilter).
func (l *Lakehouse) fileFilter(key, path string) *ngram.Filter {
	return cachedFilter(l, &l.filters, key, path, msgTrigramsKey, ngram.Decode)
}

// traceFilter returns the trace id filter of the partition file key
// (see cachedFilter).
func (l *Lakehouse) traceFilter(key, path string) *bloom.Filter {
	return cachedFilter(l, &l.traceFilters, key, path, traceIDsKey, bloom.Decode)
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
