package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrStale is returned (wrapped) by SaveNotebook when the notebook was
// saved by someone else since the caller read it: the caller reloads it
// rather than overwriting the other change.
var ErrStale = errors.New("saved by someone else since it was read")

// ErrInvalidNotebook is returned (wrapped) by SaveNotebook for a notebook
// without a name, too large, or whose content is not JSON.
var ErrInvalidNotebook = errors.New("invalid notebook")

// MaxNotebookBytes bounds the content of a notebook (1 MiB).
const MaxNotebookBytes = 1 << 20

// MaxNotebookNameBytes bounds the name of a notebook.
const MaxNotebookNameBytes = 200

// Notebook is a saved SQL notebook of the web UI: a name and a JSON
// document (its cells) that the catalog stores as it is.
type Notebook struct {
	ID   string // a UUID
	Name string
	// Content is a JSON value (the web UI writes an object of cells).
	Content string
	// Revision counts the saves: 1 after the first.
	Revision  int64
	CreatedAt time.Time // set by the store
	UpdatedAt time.Time // set by the store
}

// NotebookStore keeps notebooks. Both catalog stores implement it; the
// conformance suite (catalogtest) checks it.
type NotebookStore interface {
	// ListNotebooks returns every notebook without its Content, most
	// recently updated first.
	ListNotebooks(ctx context.Context) ([]Notebook, error)
	// GetNotebook returns one notebook or ErrNotFound.
	GetNotebook(ctx context.Context, id string) (Notebook, error)
	// SaveNotebook creates the notebook when nb.Revision is 0 (an
	// existing id is then ErrStale) or replaces it when nb.Revision is
	// the stored revision (another revision: ErrStale; no such
	// notebook: ErrNotFound). It returns the stored notebook, with its
	// new revision and times.
	SaveNotebook(ctx context.Context, nb Notebook) (Notebook, error)
	// DeleteNotebook deletes one notebook or returns ErrNotFound.
	DeleteNotebook(ctx context.Context, id string) error
}

// CheckNotebook validates what a store saves: a UUID id, a name of 1 to
// MaxNotebookNameBytes bytes, and a JSON value of at most
// MaxNotebookBytes (errors wrap ErrInvalidID or ErrInvalidNotebook). It
// returns nb with its id canonical and its name trimmed.
func CheckNotebook(nb Notebook) (Notebook, error) {
	id, err := CanonicalID("notebook id", nb.ID)
	if err != nil {
		return nb, err
	}
	nb.ID = id
	nb.Name = strings.TrimSpace(nb.Name)
	switch {
	case nb.Name == "":
		return nb, fmt.Errorf("%w: it needs a name", ErrInvalidNotebook)
	case len(nb.Name) > MaxNotebookNameBytes:
		return nb, fmt.Errorf("%w: its name is %d bytes long; the limit is %d", ErrInvalidNotebook, len(nb.Name), MaxNotebookNameBytes)
	case len(nb.Content) > MaxNotebookBytes:
		return nb, fmt.Errorf("%w: its content is %d bytes; the limit is %d", ErrInvalidNotebook, len(nb.Content), MaxNotebookBytes)
	case !json.Valid([]byte(nb.Content)):
		return nb, fmt.Errorf("%w: its content must be a JSON value", ErrInvalidNotebook)
	case nb.Revision < 0:
		return nb, fmt.Errorf("%w: its revision must not be negative", ErrInvalidNotebook)
	}
	return nb, nil
}
