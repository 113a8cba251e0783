package auth

import (
	"sync"
	"time"
)

// tokenCache keeps validated tokens, so that a token seen before costs a
// map lookup instead of a signature check. Tokens are the keys: the map
// compares them whole, so no token can pass for another.
type tokenCache struct {
	size int
	ttl  time.Duration

	mu      sync.RWMutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	id    Identity
	until time.Time // min(validated + ttl, token expiry)
}

func newTokenCache(size int, ttl time.Duration) *tokenCache {
	return &tokenCache{size: size, ttl: ttl, entries: make(map[string]cacheEntry)}
}

// get returns the identity of a token validated less than ttl ago and not
// expired at now.
func (c *tokenCache) get(tok string, now time.Time) (Identity, bool) {
	c.mu.RLock()
	e, ok := c.entries[tok]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		return Identity{}, false
	}
	return e.id, true
}

// put remembers a validated token. When the cache is full, expired
// entries go first, then arbitrary ones.
func (c *tokenCache) put(tok string, id Identity, now time.Time) {
	if c.size <= 0 {
		return
	}
	until := now.Add(c.ttl)
	if !id.Expires.IsZero() && id.Expires.Before(until) {
		until = id.Expires
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.size {
		for k, e := range c.entries {
			if !now.Before(e.until) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.size {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[tok] = cacheEntry{id: id, until: until}
}
