package httptrace

import (
	"sync"
	"sync/atomic"
)

// maxCached bounds each cache: the keys come from requests (methods are
// normalized, routes are the patterns of a ServeMux, hosts those the
// program calls), and a cache past this size maps new keys to an overflow
// value rather than growing the telemetry registry without bound.
const maxCached = 4096

// cache maps a key to the static metadata made for it once (spans,
// property sets). Lookups read an immutable map without a lock; an insert
// copies it.
type cache[K comparable, V any] struct {
	mu   sync.Mutex
	m    atomic.Pointer[map[K]V]
	make func(K) V
}

func newCache[K comparable, V any](mk func(K) V) *cache[K, V] {
	c := &cache[K, V]{make: mk}
	m := map[K]V{}
	c.m.Store(&m)
	return c
}

// get returns the value of k, made on first use; past maxCached entries,
// the value of overflow.
func (c *cache[K, V]) get(k, overflow K) V {
	if v, ok := (*c.m.Load())[k]; ok {
		return v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := *c.m.Load()
	if v, ok := old[k]; ok {
		return v
	}
	if len(old) >= maxCached {
		if v, ok := old[overflow]; ok {
			return v
		}
		k = overflow
	}
	v := c.make(k)
	m := make(map[K]V, len(old)+1)
	for kk, vv := range old {
		m[kk] = vv
	}
	m[k] = v
	c.m.Store(&m)
	return v
}
