package catalogtest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

func keyStore(t *testing.T, s catalog.Store) catalog.KeyStore {
	t.Helper()
	ks, ok := s.(catalog.KeyStore)
	if !ok {
		t.Fatalf("%T does not implement catalog.KeyStore", s)
	}
	return ks
}

func newAPIKey(name, scope string) catalog.APIKey {
	h := sha256.Sum256([]byte(uuid.NewString()))
	return catalog.APIKey{ID: uuid.NewString(), Name: name, Hash: h[:], Scope: scope, Creator: "admin@example.com"}
}

// testAPIKeys checks insert, list, expiry round-trip, name uniqueness
// among active keys, revocation and last use.
func testAPIKeys(t *testing.T, s catalog.Store, c *Clock) {
	ctx := ctxFor(t)
	ks := keyStore(t, s)
	if keys, err := ks.ListAPIKeys(ctx); err != nil || len(keys) != 0 {
		t.Fatalf("ListAPIKeys on an empty store = %v, %v", keys, err)
	}
	c.Set(baseTime)
	ci := newAPIKey("ci", "ingest")
	ci.ExpiresAt = baseTime.Add(24 * time.Hour)
	if err := ks.InsertAPIKey(ctx, ci); err != nil {
		t.Fatalf("InsertAPIKey: %v", err)
	}
	c.Set(baseTime.Add(time.Minute))
	grafana := newAPIKey("grafana", "query")
	if err := ks.InsertAPIKey(ctx, grafana); err != nil {
		t.Fatalf("InsertAPIKey: %v", err)
	}
	keys, err := ks.ListAPIKeys(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("ListAPIKeys = %d keys, %v; want 2", len(keys), err)
	}
	got := keys[0]
	if got.ID != ci.ID || got.Name != "ci" || got.Scope != "ingest" || got.Creator != ci.Creator || !bytes.Equal(got.Hash, ci.Hash) {
		t.Errorf("first key = %+v, want %+v", got, ci)
	}
	checkTime(t, "CreatedAt", got.CreatedAt, baseTime)
	checkTime(t, "ExpiresAt", got.ExpiresAt, ci.ExpiresAt)
	if !got.LastUsedAt.IsZero() || !got.RevokedAt.IsZero() {
		t.Errorf("new key has LastUsedAt %v, RevokedAt %v; want zero", got.LastUsedAt, got.RevokedAt)
	}
	if keys[1].Name != "grafana" || !keys[1].ExpiresAt.IsZero() {
		t.Errorf("second key = %+v, want grafana without expiry", keys[1])
	}

	// Same name while the first is active; same hash.
	if err := ks.InsertAPIKey(ctx, newAPIKey("ci", "query")); !errors.Is(err, catalog.ErrConflict) {
		t.Errorf("second active key named ci: %v, want ErrConflict", err)
	}
	dup := newAPIKey("other", "query")
	dup.Hash = ci.Hash
	if err := ks.InsertAPIKey(ctx, dup); !errors.Is(err, catalog.ErrConflict) {
		t.Errorf("key with the hash of another: %v, want ErrConflict", err)
	}
	if err := ks.InsertAPIKey(ctx, catalog.APIKey{ID: "nope", Name: "x", Hash: ci.Hash}); !errors.Is(err, catalog.ErrInvalidID) {
		t.Errorf("bad id: %v, want ErrInvalidID", err)
	}

	// Last use moves forward only.
	used := baseTime.Add(time.Hour)
	if err := ks.TouchAPIKeys(ctx, map[string]time.Time{ci.ID: used}); err != nil {
		t.Fatalf("TouchAPIKeys: %v", err)
	}
	if err := ks.TouchAPIKeys(ctx, map[string]time.Time{ci.ID: baseTime, uuid.NewString(): used}); err != nil {
		t.Fatalf("TouchAPIKeys with an older time and an unknown key: %v", err)
	}

	// Revoke, then the name is free again.
	revokedAt := baseTime.Add(2 * time.Hour)
	rk, err := ks.RevokeAPIKey(ctx, "ci", revokedAt)
	if err != nil || rk.ID != ci.ID {
		t.Fatalf("RevokeAPIKey = %+v, %v; want key %s", rk, err, ci.ID)
	}
	checkTime(t, "RevokedAt", rk.RevokedAt, revokedAt)
	checkTime(t, "LastUsedAt", rk.LastUsedAt, used)
	if _, err := ks.RevokeAPIKey(ctx, "ci", revokedAt); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("revoking twice: %v, want ErrNotFound", err)
	}
	if _, err := ks.RevokeAPIKey(ctx, "never-minted", revokedAt); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("revoking an unknown name: %v, want ErrNotFound", err)
	}
	c.Set(baseTime.Add(3 * time.Hour))
	again := newAPIKey("ci", "admin")
	if err := ks.InsertAPIKey(ctx, again); err != nil {
		t.Fatalf("new key named like a revoked one: %v", err)
	}
	keys, err = ks.ListAPIKeys(ctx)
	if err != nil || len(keys) != 3 {
		t.Fatalf("ListAPIKeys = %d keys, %v; want 3", len(keys), err)
	}
	if keys[0].RevokedAt.IsZero() || keys[2].ID != again.ID || !keys[2].RevokedAt.IsZero() {
		t.Errorf("after revoke and re-mint: %+v", keys)
	}
}
