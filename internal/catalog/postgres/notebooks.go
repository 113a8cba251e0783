package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

var _ catalog.NotebookStore = (*Store)(nil)

// ListNotebooks returns every notebook without its content, most
// recently updated first.
func (s *Store) ListNotebooks(ctx context.Context) ([]catalog.Notebook, error) {
	rows, err := s.pool.Query(ctx, `SELECT notebook_id::text, name, revision, created_at, updated_at
		FROM notebooks ORDER BY updated_at DESC, notebook_id`)
	if err != nil {
		return nil, wrapErr("list notebooks", err)
	}
	defer rows.Close()
	out := []catalog.Notebook{}
	for rows.Next() {
		var nb catalog.Notebook
		var created, updated pgtype.Timestamptz
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
	var created, updated pgtype.Timestamptz
	err = s.pool.QueryRow(ctx, `SELECT notebook_id::text, name, content, revision, created_at, updated_at
		FROM notebooks WHERE notebook_id = $1`, cid).Scan(&nb.ID, &nb.Name, &nb.Content, &nb.Revision, &created, &updated)
	if errors.Is(err, pgx.ErrNoRows) {
		return nb, fmt.Errorf("get notebook %s: %w", cid, catalog.ErrNotFound)
	}
	if err != nil {
		return nb, wrapErr("get notebook", err)
	}
	nb.CreatedAt, nb.UpdatedAt = decodeTime(created), decodeTime(updated)
	return nb, nil
}

// SaveNotebook creates or replaces a notebook (see
// catalog.NotebookStore). The revision check and the write are one
// statement, so concurrent savers cannot both win.
func (s *Store) SaveNotebook(ctx context.Context, nb catalog.Notebook) (catalog.Notebook, error) {
	nb, err := catalog.CheckNotebook(nb)
	if err != nil {
		return nb, fmt.Errorf("save notebook: %w", err)
	}
	now := encodeTime(s.now())
	var created, updated pgtype.Timestamptz
	if nb.Revision == 0 {
		err = s.pool.QueryRow(ctx, `INSERT INTO notebooks(notebook_id, name, content, revision, created_at, updated_at)
			VALUES ($1, $2, $3, 1, $4, $4) ON CONFLICT (notebook_id) DO NOTHING
			RETURNING revision, created_at, updated_at`, nb.ID, nb.Name, nb.Content, now).Scan(&nb.Revision, &created, &updated)
		if errors.Is(err, pgx.ErrNoRows) {
			return nb, fmt.Errorf("create notebook %s: %w", nb.ID, catalog.ErrStale)
		}
	} else {
		want := nb.Revision
		err = s.pool.QueryRow(ctx, `UPDATE notebooks SET name = $2, content = $3, revision = revision + 1, updated_at = $4
			WHERE notebook_id = $1 AND revision = $5 RETURNING revision, created_at, updated_at`,
			nb.ID, nb.Name, nb.Content, now, want).Scan(&nb.Revision, &created, &updated)
		if errors.Is(err, pgx.ErrNoRows) {
			if _, gerr := s.GetNotebook(ctx, nb.ID); gerr != nil {
				return nb, fmt.Errorf("save notebook: %w", gerr)
			}
			return nb, fmt.Errorf("save notebook %s at revision %d: %w", nb.ID, want, catalog.ErrStale)
		}
	}
	if err != nil {
		return nb, wrapErr("save notebook", err)
	}
	nb.CreatedAt, nb.UpdatedAt = decodeTime(created), decodeTime(updated)
	return nb, nil
}

// DeleteNotebook deletes one notebook or returns catalog.ErrNotFound.
func (s *Store) DeleteNotebook(ctx context.Context, id string) error {
	cid, err := catalog.CanonicalID("notebook id", id)
	if err != nil {
		return fmt.Errorf("delete notebook: %w", err)
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM notebooks WHERE notebook_id = $1`, cid)
	if err != nil {
		return wrapErr("delete notebook", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete notebook %s: %w", cid, catalog.ErrNotFound)
	}
	return nil
}
