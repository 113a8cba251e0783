package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

var _ catalog.NotebookStore = (*Store)(nil)

// ListNotebooks returns every notebook without its content, most
// recently updated first.
func (s *Store) ListNotebooks(ctx context.Context) ([]catalog.Notebook, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT notebook_id, name, revision, created_at, updated_at
		FROM notebooks ORDER BY updated_at DESC, notebook_id`)
	if err != nil {
		return nil, wrapErr("list notebooks", err)
	}
	defer rows.Close()
	out := []catalog.Notebook{}
	for rows.Next() {
		var nb catalog.Notebook
		var created, updated sql.NullInt64
		if err := rows.Scan(&nb.ID, &nb.Name, &nb.Revision, &created, &updated); err != nil {
			return nil, wrapErr("list notebooks", err)
		}
		nb.CreatedAt, nb.UpdatedAt = decodeTime(created), decodeTime(updated)
		out = append(out, nb)
	}
	return out, wrapErr("list notebooks", rows.Err())
}

// GetNotebook returns one notebook or catalog.ErrNotFound.
func (s *Store) GetNotebook(ctx context.Context, id string) (catalog.Notebook, error) {
	nb := catalog.Notebook{}
	cid, err := catalog.CanonicalID("notebook id", id)
	if err != nil {
		return nb, fmt.Errorf("get notebook: %w", err)
	}
	var created, updated sql.NullInt64
	err = s.reader.QueryRowContext(ctx, `SELECT notebook_id, name, content, revision, created_at, updated_at
		FROM notebooks WHERE notebook_id = ?`, cid).Scan(&nb.ID, &nb.Name, &nb.Content, &nb.Revision, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nb, fmt.Errorf("get notebook %s: %w", cid, catalog.ErrNotFound)
	}
	if err != nil {
		return nb, wrapErr("get notebook", err)
	}
	nb.CreatedAt, nb.UpdatedAt = decodeTime(created), decodeTime(updated)
	return nb, nil
}

// SaveNotebook creates or replaces a notebook (see
// catalog.NotebookStore).
func (s *Store) SaveNotebook(ctx context.Context, nb catalog.Notebook) (catalog.Notebook, error) {
	nb, err := catalog.CheckNotebook(nb)
	if err != nil {
		return nb, fmt.Errorf("save notebook: %w", err)
	}
	now := s.now().UTC()
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return nb, wrapErr("save notebook", err)
	}
	defer tx.Rollback()
	var rev, created int64
	err = tx.QueryRowContext(ctx, `SELECT revision, created_at FROM notebooks WHERE notebook_id = ?`, nb.ID).Scan(&rev, &created)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if nb.Revision != 0 {
			return nb, fmt.Errorf("save notebook %s: %w", nb.ID, catalog.ErrNotFound)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO notebooks(notebook_id, name, content, revision, created_at, updated_at)
			VALUES (?, ?, ?, 1, ?, ?)`, nb.ID, nb.Name, nb.Content, now.UnixNano(), now.UnixNano())
		nb.CreatedAt = now
	case err != nil:
		return nb, wrapErr("save notebook", err)
	case nb.Revision != rev:
		return nb, fmt.Errorf("save notebook %s at revision %d (stored: %d): %w", nb.ID, nb.Revision, rev, catalog.ErrStale)
	default:
		_, err = tx.ExecContext(ctx, `UPDATE notebooks SET name = ?, content = ?, revision = revision + 1, updated_at = ?
			WHERE notebook_id = ?`, nb.Name, nb.Content, now.UnixNano(), nb.ID)
		nb.CreatedAt = decodeTime(sql.NullInt64{Int64: created, Valid: true})
	}
	if err != nil {
		return nb, wrapErr("save notebook", err)
	}
	if err := tx.Commit(); err != nil {
		return nb, wrapErr("save notebook", err)
	}
	nb.Revision++
	nb.UpdatedAt = now
	return nb, nil
}

// DeleteNotebook deletes one notebook or returns catalog.ErrNotFound.
func (s *Store) DeleteNotebook(ctx context.Context, id string) error {
	cid, err := catalog.CanonicalID("notebook id", id)
	if err != nil {
		return fmt.Errorf("delete notebook: %w", err)
	}
	res, err := s.writer.ExecContext(ctx, `DELETE FROM notebooks WHERE notebook_id = ?`, cid)
	if err != nil {
		return wrapErr("delete notebook", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return wrapErr("delete notebook", err)
		}
		return fmt.Errorf("delete notebook %s: %w", cid, catalog.ErrNotFound)
	}
	return nil
}
