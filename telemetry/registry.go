package telemetry

import (
	"sync"
	"sync/atomic"
)

// Static metadata (log sites, their strings) is registered once and then
// referenced by a 64-bit id in events, as the original references it by
// address. Ids are unique across every kind of dependency of the process,
// because readers keep all dependencies of a block in one map.

var nextID atomic.Uint64

func newID() uint64 { return nextID.Add(1) }

// registry maps ids to the static metadata they name. It is written when a
// site is created (rare) and read by the encoder goroutine.
type registry struct {
	mu      sync.RWMutex
	strings map[string]uint64 // text → id
	texts   map[uint64]string // id → text
	logs    map[uint64]*LogSite
}

var reg = registry{
	strings: map[string]uint64{},
	texts:   map[uint64]string{},
	logs:    map[uint64]*LogSite{},
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
	id = newID()
	r.strings[s] = id
	r.texts[id] = s
	return id
}

func (r *registry) addLogSite(s *LogSite) {
	r.mu.Lock()
	r.logs[s.id] = s
	r.mu.Unlock()
}

func (r *registry) logSite(id uint64) *LogSite {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.logs[id]
}

func (r *registry) text(id uint64) (string, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.texts[id]
	return s, ok
}
