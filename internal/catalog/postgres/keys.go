package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

var _ catalog.KeyStore = (*Store)(nil)

// apiKeyColumns are the columns scanned by scanAPIKey.
const apiKeyColumns = `key_id::text, name, key_hash, scope, creator, created_at, expires_at, last_used_at, revoked_at`

// InsertAPIKey records a new key; CreatedAt is set to now.
func (s *Store) InsertAPIKey(ctx context.Context, k catalog.APIKey) error {
	id, err := catalog.CanonicalID("key id", k.ID)
	if err != nil {
		return fmt.Errorf("insert api key: %w", err)
	}
	var expires pgtype.Timestamptz
	if !k.ExpiresAt.IsZero() {
		expires = encodeTime(k.ExpiresAt)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO api_keys(key_id, name, key_hash, scope, creator, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, k.Name, k.Hash, k.Scope, k.Creator, encodeTime(s.now()), expires)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation
		return fmt.Errorf("insert api key %q: %w: an active key has this name", k.Name, catalog.ErrConflict)
	}
	return wrapErr("insert api key", err)
}

func scanAPIKey(row pgx.Row) (catalog.APIKey, error) {
	var k catalog.APIKey
	var created, expires, used, revoked pgtype.Timestamptz
	if err := row.Scan(&k.ID, &k.Name, &k.Hash, &k.Scope, &k.Creator, &created, &expires, &used, &revoked); err != nil {
		return k, err
	}
	k.CreatedAt, k.ExpiresAt, k.LastUsedAt, k.RevokedAt = decodeTime(created), decodeTime(expires), decodeTime(used), decodeTime(revoked)
	return k, nil
}

// ListAPIKeys returns every key ordered by (created_at, key_id).
func (s *Store) ListAPIKeys(ctx context.Context) ([]catalog.APIKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY created_at, key_id`)
	if err != nil {
		return nil, wrapErr("list api keys", err)
	}
	defer rows.Close()
	var keys []catalog.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, wrapErr("list api keys", err)
		}
		keys = append(keys, k)
	}
	return keys, wrapErr("list api keys", rows.Err())
}

// RevokeAPIKey marks the active key of that name revoked.
func (s *Store) RevokeAPIKey(ctx context.Context, name string, at time.Time) (catalog.APIKey, error) {
	k, err := scanAPIKey(s.pool.QueryRow(ctx, `UPDATE api_keys SET revoked_at = $1
		WHERE name = $2 AND revoked_at IS NULL RETURNING `+apiKeyColumns, encodeTime(at), name))
	if errors.Is(err, pgx.ErrNoRows) {
		return catalog.APIKey{}, fmt.Errorf("revoke api key %q: %w", name, catalog.ErrNotFound)
	}
	return k, wrapErr("revoke api key", err)
}

// TouchAPIKeys records last uses; older times than the recorded ones are
// ignored.
func (s *Store) TouchAPIKeys(ctx context.Context, lastUse map[string]time.Time) error {
	if len(lastUse) == 0 {
		return nil
	}
	batch := &pgx.Batch{}
	for id, at := range lastUse {
		batch.Queue(`UPDATE api_keys SET last_used_at = $1
			WHERE key_id = $2 AND (last_used_at IS NULL OR last_used_at < $1)`, encodeTime(at), id)
	}
	return wrapErr("touch api keys", s.pool.SendBatch(ctx, batch).Close())
}
