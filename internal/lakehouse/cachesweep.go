package lakehouse

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
)

// sweepBatch is how many cached keys one catalog query checks.
const sweepBatch = 1000

// SweepCache drops the local copies of partition files that the catalog
// no longer lists: partitions retired by compaction, by another node's
// just-in-time update, by retire_partitions or by retention. Several
// analytics nodes and daemons share one catalog, and each keeps its own
// cache, so each node sweeps its own (internal/app runs it every
// CacheSweepPeriod). Files a running query reads are kept until a later
// sweep. It returns the number of files dropped.
func (l *Lakehouse) SweepCache(ctx context.Context) (int, error) {
	keys := l.cache.unpinnedKeys()
	dropped := 0
	for len(keys) > 0 {
		n := min(len(keys), sweepBatch)
		batch := keys[:n]
		keys = keys[n:]
		live, err := l.opts.Catalog.LivePartitionFiles(ctx, batch)
		if err != nil {
			return dropped, fmt.Errorf("sweep partition cache: %w", err)
		}
		isLive := make(map[string]bool, len(live))
		for _, k := range live {
			isLive[k] = true
		}
		var retired []string
		for _, k := range batch {
			if !isLive[k] {
				retired = append(retired, k)
			}
		}
		dropped += l.cache.drop(retired)
		l.filters.forget(retired)
		l.traceFilters.forget(retired)
	}
	if dropped > 0 {
		l.log.Debug("partition cache swept", "dropped", dropped, "bytes", l.cache.bytes())
	}
	return dropped, nil
}

// unpinnedKeys returns the keys of the cached partition files no query
// reads, sorted.
func (c *fileCache) unpinnedKeys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for k, e := range c.entries {
		if e.pins == 0 && strings.HasPrefix(k, "views/") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// drop deletes the cached copies of keys that no query reads and returns
// how many it deleted.
func (c *fileCache) drop(keys []string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range keys {
		e, ok := c.entries[k]
		if !ok || e.pins > 0 {
			continue
		}
		os.Remove(e.path)
		c.lru.Remove(e.elem)
		delete(c.entries, k)
		c.size -= e.size
		n++
	}
	return n
}
