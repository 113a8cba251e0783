package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

var _ catalog.KeyStore = (*Store)(nil)

// InsertAPIKey records a new key; CreatedAt is set to now.
func (s *Store) InsertAPIKey(ctx context.Context, k catalog.APIKey) error {
	id, err := catalog.CanonicalID("key id", k.ID)
	if err != nil {
		return fmt.Errorf("insert api key: %w", err)
	}
	expires, err := encodeTime("expires_at", k.ExpiresAt)
	if err != nil {
		return fmt.Errorf("insert api key: %w", err)
	}
	_, err = s.writer.ExecContext(ctx, `INSERT INTO api_keys(key_id, name, key_hash, scope, creator, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, k.Name, k.Hash, k.Scope, k.Creator, s.now().UnixNano(), expires)
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT {
		return fmt.Errorf("insert api key %q: %w: an active key has this name", k.Name, catalog.ErrConflict)
	}
	return wrapErr("insert api key", err)
}

// ListAPIKeys returns every key ordered by (created_at, key_id).
func (s *Store) ListAPIKeys(ctx context.Context) ([]catalog.APIKey, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT key_id, name, key_hash, scope, creator, created_at,
		expires_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at, key_id`)
	if err != nil {
		return nil, wrapErr("list api keys", err)
	}
	defer rows.Close()
	var keys []catalog.APIKey
	for rows.Next() {
		var k catalog.APIKey
		var created int64
		var expires, used, revoked sql.NullInt64
		if err := rows.Scan(&k.ID, &k.Name, &k.Hash, &k.Scope, &k.Creator, &created, &expires, &used, &revoked); err != nil {
			return nil, wrapErr("list api keys", err)
		}
		k.CreatedAt = time.Unix(0, created).UTC()
		k.ExpiresAt, k.LastUsedAt, k.RevokedAt = decodeTime(expires), decodeTime(used), decodeTime(revoked)
		keys = append(keys, k)
	}
	return keys, wrapErr("list api keys", rows.Err())
}

// RevokeAPIKey marks the active key of that name revoked.
func (s *Store) RevokeAPIKey(ctx context.Context, name string, at time.Time) (catalog.APIKey, error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return catalog.APIKey{}, wrapErr("revoke api key", err)
	}
	defer tx.Rollback()
	var id string
	err = tx.QueryRowContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL RETURNING key_id`,
		at.UnixNano(), name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.APIKey{}, fmt.Errorf("revoke api key %q: %w", name, catalog.ErrNotFound)
	}
	if err != nil {
		return catalog.APIKey{}, wrapErr("revoke api key", err)
	}
	if err := tx.Commit(); err != nil {
		return catalog.APIKey{}, wrapErr("revoke api key", err)
	}
	keys, err := s.ListAPIKeys(ctx)
	if err != nil {
		return catalog.APIKey{}, err
	}
	for _, k := range keys {
		if k.ID == id {
			return k, nil
		}
	}
	return catalog.APIKey{}, fmt.Errorf("revoke api key %q: %w", name, catalog.ErrNotFound)
}

// TouchAPIKeys records last uses; older times than the recorded ones are
// ignored.
func (s *Store) TouchAPIKeys(ctx context.Context, lastUse map[string]time.Time) error {
	if len(lastUse) == 0 {
		return nil
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return wrapErr("touch api keys", err)
	}
	defer tx.Rollback()
	for id, at := range lastUse {
		if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ?
			WHERE key_id = ? AND (last_used_at IS NULL OR last_used_at < ?)`, at.UnixNano(), id, at.UnixNano()); err != nil {
			return wrapErr("touch api keys", err)
		}
	}
	return wrapErr("touch api keys", tx.Commit())
}
