package ingest

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/transit"
)

func TestStatusFor(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("insert block x: %w", err) }
	for _, c := range []struct {
		name string
		err  error
		want int
	}{
		{"invalid message", wrap(transit.ErrInvalid), http.StatusBadRequest},
		{"invalid id", wrap(catalog.ErrInvalidID), http.StatusBadRequest},
		{"conflicting payload", wrap(blobstore.ErrConflict), http.StatusConflict},
		{"body too large", wrap(&http.MaxBytesError{Limit: 10}), http.StatusRequestEntityTooLarge},
		{"catalog down", wrap(catalog.ErrUnavailable), http.StatusServiceUnavailable},
		{"object store down", wrap(blobstore.ErrUnavailable), http.StatusServiceUnavailable},
		{"anything else", errors.New("boom"), http.StatusInternalServerError},
	} {
		if got := statusFor(c.err); got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
	}
}
