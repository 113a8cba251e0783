package catalogtest

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// notebooksOf returns the store's NotebookStore, failing the test when the
// store lacks one.
func notebooksOf(t *testing.T, s catalog.Store) catalog.NotebookStore {
	t.Helper()
	nbs, ok := s.(catalog.NotebookStore)
	if !ok {
		t.Fatalf("%T does not implement catalog.NotebookStore", s)
	}
	return nbs
}

// testNotebooks checks the life of a notebook: create, read, list
// (newest first, no content), update at the right revision, refuse a
// stale one, delete.
func testNotebooks(t *testing.T, s catalog.Store, c *Clock) {
	ctx := ctxFor(t)
	nbs := notebooksOf(t, s)
	if list, err := nbs.ListNotebooks(ctx); err != nil || len(list) != 0 {
		t.Fatalf("ListNotebooks on an empty store = %v, %v; want none", list, err)
	}
	t0 := baseTime
	c.Set(t0)
	a, err := nbs.SaveNotebook(ctx, catalog.Notebook{ID: strings.ToUpper(uuid.NewString()), Name: "  latency  ", Content: `{"cells":[{"sql":"SELECT 1"}]}`})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if a.Revision != 1 || a.Name != "latency" || a.ID != strings.ToLower(a.ID) || !a.CreatedAt.Equal(a.UpdatedAt) || !near(a.CreatedAt, t0) {
		t.Errorf("created = %+v; want revision 1, trimmed name, canonical id, times at %v", a, t0)
	}
	c.Set(t0.Add(time.Minute))
	b, err := nbs.SaveNotebook(ctx, catalog.Notebook{ID: uuid.NewString(), Name: "errors", Content: `{"cells":[]}`})
	if err != nil {
		t.Fatalf("create second: %v", err)
	}
	got, err := nbs.GetNotebook(ctx, a.ID)
	if err != nil || got != a {
		t.Fatalf("GetNotebook = %+v, %v; want %+v", got, err, a)
	}
	list, err := nbs.ListNotebooks(ctx)
	if err != nil || len(list) != 2 || list[0].ID != b.ID || list[1].ID != a.ID || list[0].Content != "" {
		t.Fatalf("ListNotebooks = %+v, %v; want [errors, latency] without content", list, err)
	}

	c.Set(t0.Add(2 * time.Minute))
	a2, err := nbs.SaveNotebook(ctx, catalog.Notebook{ID: a.ID, Name: "latency p99", Content: `{"cells":[]}`, Revision: 1})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if a2.Revision != 2 || !a2.CreatedAt.Equal(a.CreatedAt) || !near(a2.UpdatedAt, t0.Add(2*time.Minute)) {
		t.Errorf("updated = %+v; want revision 2, created %v, updated 2 minutes later", a2, a.CreatedAt)
	}
	if got, _ := nbs.GetNotebook(ctx, a.ID); got != a2 {
		t.Errorf("after update GetNotebook = %+v; want %+v", got, a2)
	}
	if list, _ := nbs.ListNotebooks(ctx); len(list) != 2 || list[0].ID != a.ID {
		t.Errorf("after update ListNotebooks = %+v; want the updated notebook first", list)
	}
	// A save based on revision 1 would lose the change of revision 2.
	_, err = nbs.SaveNotebook(ctx, catalog.Notebook{ID: a.ID, Name: "old", Content: `{}`, Revision: 1})
	if !errors.Is(err, catalog.ErrStale) {
		t.Errorf("stale save: error = %v, want ErrStale", err)
	}
	_, err = nbs.SaveNotebook(ctx, catalog.Notebook{ID: a.ID, Name: "again", Content: `{}`})
	if !errors.Is(err, catalog.ErrStale) {
		t.Errorf("create over an existing id: error = %v, want ErrStale", err)
	}
	if got, _ := nbs.GetNotebook(ctx, a.ID); got != a2 {
		t.Errorf("refused saves changed the notebook: %+v; want %+v", got, a2)
	}
	_, err = nbs.SaveNotebook(ctx, catalog.Notebook{ID: uuid.NewString(), Name: "gone", Content: `{}`, Revision: 3})
	if !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("update of a missing notebook: error = %v, want ErrNotFound", err)
	}

	if err := nbs.DeleteNotebook(ctx, a.ID); err != nil {
		t.Fatalf("DeleteNotebook: %v", err)
	}
	if _, err := nbs.GetNotebook(ctx, a.ID); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("GetNotebook after delete: %v, want ErrNotFound", err)
	}
	if err := nbs.DeleteNotebook(ctx, a.ID); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("second DeleteNotebook: %v, want ErrNotFound", err)
	}
	if list, _ := nbs.ListNotebooks(ctx); len(list) != 1 || list[0].ID != b.ID {
		t.Errorf("after delete ListNotebooks = %+v; want only %s", list, b.ID)
	}
}

// near reports whether two store times agree to the microsecond (the
// precision of PostgreSQL).
func near(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -time.Microsecond && d < time.Microsecond
}

// testNotebookValidation checks that bad notebooks are refused with an
// error naming the problem, and that nothing is stored.
func testNotebookValidation(t *testing.T, s catalog.Store, _ *Clock) {
	ctx := ctxFor(t)
	nbs := notebooksOf(t, s)
	id := uuid.NewString()
	for _, tc := range []struct {
		name string
		nb   catalog.Notebook
		want error
		msg  string
	}{
		{"BadID", catalog.Notebook{ID: "nope", Name: "x", Content: "{}"}, catalog.ErrInvalidID, "notebook id"},
		{"NoName", catalog.Notebook{ID: id, Name: "   ", Content: "{}"}, catalog.ErrInvalidNotebook, "name"},
		{"LongName", catalog.Notebook{ID: id, Name: strings.Repeat("n", catalog.MaxNotebookNameBytes+1), Content: "{}"}, catalog.ErrInvalidNotebook, "name"},
		{"NotJSON", catalog.Notebook{ID: id, Name: "x", Content: "{cells"}, catalog.ErrInvalidNotebook, "JSON"},
		{"TooLarge", catalog.Notebook{ID: id, Name: "x", Content: `"` + strings.Repeat("a", catalog.MaxNotebookBytes) + `"`}, catalog.ErrInvalidNotebook, "limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := nbs.SaveNotebook(ctx, tc.nb)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("SaveNotebook error = %v; want %v mentioning %q", err, tc.want, tc.msg)
			}
		})
	}
	for name, call := range map[string]func() error{
		"Get":    func() error { _, err := nbs.GetNotebook(ctx, "x"); return err },
		"Delete": func() error { return nbs.DeleteNotebook(ctx, "x") },
	} {
		if err := call(); !errors.Is(err, catalog.ErrInvalidID) {
			t.Errorf("%s with a bad id: %v, want ErrInvalidID", name, err)
		}
	}
	if list, err := nbs.ListNotebooks(ctx); err != nil || len(list) != 0 {
		t.Errorf("refused notebooks were stored: %+v, %v", list, err)
	}
}

// testNotebookConcurrentSaves has several writers save from the same
// revision: exactly one wins, the others are told their copy is stale.
func testNotebookConcurrentSaves(t *testing.T, s catalog.Store, _ *Clock) {
	ctx := ctxFor(t)
	nbs := notebooksOf(t, s)
	nb, err := nbs.SaveNotebook(ctx, catalog.Notebook{ID: uuid.NewString(), Name: "shared", Content: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = nbs.SaveNotebook(ctx, catalog.Notebook{ID: nb.ID, Name: "shared", Content: `{"writer":1}`, Revision: nb.Revision})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, catalog.ErrStale):
			t.Errorf("concurrent save: %v, want nil or ErrStale", err)
		}
	}
	if got, _ := nbs.GetNotebook(ctx, nb.ID); won != 1 || got.Revision != 2 {
		t.Errorf("%d saves won, revision %d; want exactly 1 and revision 2", won, got.Revision)
	}
}
