package catalog

import (
	"context"
	"time"
)

// APIKey is an API key minted by an admin (table api_keys). The secret
// itself is never stored: only its SHA-256 hash.
type APIKey struct {
	// ID is the key's UUID, set by the caller.
	ID string
	// Name is unique among the keys that are not revoked.
	Name string
	// Hash is the SHA-256 of the secret (32 bytes).
	Hash []byte
	// Scope is "ingest", "query" or "admin".
	Scope string
	// Creator is the identity of the admin who minted it.
	Creator string
	// CreatedAt is set by the store on insert.
	CreatedAt time.Time
	// ExpiresAt is when the key stops working; zero: never.
	ExpiresAt time.Time
	// LastUsedAt is the last time a server accepted it, recorded every few
	// seconds; zero: never used.
	LastUsedAt time.Time
	// RevokedAt is when it was revoked; zero while it is active.
	RevokedAt time.Time
}

// KeyStore holds the API keys minted into the catalog. Both catalog
// stores implement it, and catalogtest checks them.
type KeyStore interface {
	// InsertAPIKey records a new key. It returns an error wrapping
	// ErrConflict when a key that is not revoked has the same name, or
	// a key has the same id or hash.
	InsertAPIKey(ctx context.Context, k APIKey) error
	// ListAPIKeys returns every key, revoked ones included, ordered by
	// (CreatedAt, ID).
	ListAPIKeys(ctx context.Context) ([]APIKey, error)
	// RevokeAPIKey marks the active key of that name revoked at `at` and
	// returns it; ErrNotFound when no active key has the name.
	RevokeAPIKey(ctx context.Context, name string, at time.Time) (APIKey, error)
	// TouchAPIKeys records the last use of keys, by id; a time older than
	// the one recorded is ignored.
	TouchAPIKeys(ctx context.Context, lastUse map[string]time.Time) error
}
