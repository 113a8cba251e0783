package telemetry

import (
	"sync"
	"sync/atomic"
)

// Static metadata (log sites, metrics, spans, property sets and their
// strings) is registered once and then referenced by a 64-bit id in events,
// as the original references it by address. Ids are small integers unique
// across every kind of dependency of the process, because readers keep all
// dependencies of a block in one map; the dispatcher indexes its per-block
// "already sent" marks by id.
type registry struct {
	mu      sync.RWMutex
	items   []any // items[id]; items[0] is unused. Append-only.
	strings map[string]uint64
	sites   []*LogSite // for level changes
}

var reg = registry{items: []any{nil}, strings: map[string]uint64{}}

// add registers v under a new id.
func (r *registry) add(v any) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addLocked(v)
}

func (r *registry) addLocked(v any) uint64 {
	r.items = append(r.items, v)
	return uint64(len(r.items) - 1)
}

// internString returns the id of a static string, registering it once.
func (r *registry) internString(s string) uint64 {
	r.mu.RLock()
	id, ok := r.strings[s]
	r.mu.RUnlock()
	if ok {
		return id
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := r.strings[s]; ok {
		return id
	}
	id = r.addLocked(s)
	r.strings[s] = id
	return id
}

// snapshot returns the registered items. Items never change once
// registered, so the slice can be read without the lock.
func (r *registry) snapshot() []any {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.items
}

// asyncSpanIDs hands out async span ids in ranges of spanIDBatch to each
// P, so that an async span does not touch a shared counter.
var asyncSpanIDs atomic.Uint64

const spanIDBatch = 1024
