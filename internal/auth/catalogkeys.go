package auth

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// IssuerCatalog is the issuer of the identities of API keys minted into
// the catalog.
const IssuerCatalog = "catalog"

// DefaultKeyRefresh is how often CatalogKeys reloads the keys: a key
// revoked on one server is refused by every server within this time (and
// the last uses are written back at the same pace).
const DefaultKeyRefresh = 5 * time.Second

// CatalogKeys authenticates the API keys minted into the catalog. It
// keeps the active keys in memory, by hash, and reloads them every
// refresh interval; a server that cannot reload them for two intervals
// refuses catalog keys with ErrUnavailable rather than accept one that
// may have been revoked.
type CatalogKeys struct {
	store   catalog.KeyStore
	refresh time.Duration
	now     func() time.Time
	log     *slog.Logger

	mu     sync.RWMutex
	byHash map[[sha256.Size]byte]*activeKey
	loaded time.Time // of the last successful reload
}

// activeKey is a key that is not revoked, with its last use not yet
// written to the catalog.
type activeKey struct {
	catalog.APIKey
	scope Scope
	used  atomic.Int64 // unix nanoseconds; 0: nothing to write
}

// NewCatalogKeys loads the keys of store once. refresh <= 0 means
// DefaultKeyRefresh. Call Run to keep them current.
func NewCatalogKeys(ctx context.Context, store catalog.KeyStore, refresh time.Duration, log *slog.Logger) (*CatalogKeys, error) {
	if refresh <= 0 {
		refresh = DefaultKeyRefresh
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &CatalogKeys{store: store, refresh: refresh, now: time.Now, log: log}
	if err := c.Reload(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Run reloads the keys and writes their last uses every refresh interval
// until ctx ends.
func (c *CatalogKeys) Run(ctx context.Context) {
	t := time.NewTicker(c.refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			c.flushUses(context.WithoutCancel(ctx))
			return
		case <-t.C:
			c.flushUses(ctx)
			if err := c.Reload(ctx); err != nil && ctx.Err() == nil {
				c.log.Warn("cannot reload the API keys of the catalog", "err", err)
			}
		}
	}
}

// Reload reads the keys from the catalog now.
func (c *CatalogKeys) Reload(ctx context.Context) error {
	keys, err := c.store.ListAPIKeys(ctx)
	if err != nil {
		return fmt.Errorf("load API keys: %w", err)
	}
	byHash := make(map[[sha256.Size]byte]*activeKey, len(keys))
	for _, k := range keys {
		sc, err := ParseScope(k.Scope)
		if !k.RevokedAt.IsZero() || len(k.Hash) != sha256.Size || err != nil {
			continue
		}
		byHash[[sha256.Size]byte(k.Hash)] = &activeKey{APIKey: k, scope: sc}
	}
	c.mu.Lock()
	for h, old := range c.byHash {
		if k, ok := byHash[h]; ok {
			k.used.Store(old.used.Load())
		}
	}
	c.byHash, c.loaded = byHash, c.now()
	c.mu.Unlock()
	return nil
}

func (c *CatalogKeys) flushUses(ctx context.Context) {
	used := map[string]time.Time{}
	c.mu.RLock()
	for _, k := range c.byHash {
		if ns := k.used.Swap(0); ns != 0 {
			used[k.ID] = time.Unix(0, ns)
		}
	}
	c.mu.RUnlock()
	if len(used) == 0 {
		return
	}
	if err := c.store.TouchAPIKeys(ctx, used); err != nil {
		c.log.Warn("cannot record the last use of API keys", "err", err)
	}
}

// Authenticate implements Provider.
func (c *CatalogKeys) Authenticate(_ context.Context, cr Credentials) (Identity, error) {
	if !strings.HasPrefix(cr.Bearer, KeyPrefix) {
		return Identity{}, ErrNoCredentials // minted keys all have the prefix
	}
	now := c.now()
	c.mu.RLock()
	k, ok := c.byHash[hashToken(cr.Bearer)]
	stale := now.Sub(c.loaded) > 2*c.refresh
	c.mu.RUnlock()
	switch {
	case !ok:
		return Identity{}, ErrNoCredentials
	case stale:
		return Identity{}, fmt.Errorf("%w: the catalog holding the API keys has not answered for %s; retry later", ErrUnavailable, now.Sub(c.loaded).Round(time.Second))
	case !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt):
		return Identity{}, fmt.Errorf("API key %q expired at %s: ask an admin for a new one (micromegas keys create)", k.Name, k.ExpiresAt.Format(time.RFC3339))
	}
	k.used.Store(now.UnixNano())
	return Identity{
		Subject: k.Name, Issuer: IssuerCatalog, Kind: KindAPIKey,
		Scopes: Scopes(k.scope), Admin: k.scope == ScopeAdmin, Expires: k.ExpiresAt,
	}, nil
}
