package ingest

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
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
		{"block id of another stream", wrap(catalog.ErrConflict), http.StatusConflict},
		{"body too large", wrap(&http.MaxBytesError{Limit: 10}), http.StatusRequestEntityTooLarge},
		{"truncated body", wrap(errTruncated), http.StatusBadRequest},
		{"time out of range", wrap(errInvalidInput), http.StatusBadRequest},
		{"catalog down", wrap(catalog.ErrUnavailable), http.StatusServiceUnavailable},
		{"object store down", wrap(blobstore.ErrUnavailable), http.StatusServiceUnavailable},
		{"anything else", errors.New("boom"), http.StatusInternalServerError},
	} {
		if got := statusFor(c.err); got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
	}
}

func TestClientMessage(t *testing.T) {
	secret := errors.New("dial postgres://admin@db.internal:5432/prod")
	for _, c := range []struct {
		err      error
		want     string
		mustHide bool
	}{
		{fmt.Errorf("decode block: %w: end_time before begin_time", transit.ErrInvalid), "end_time before begin_time", false},
		{fmt.Errorf("insert block: %w: %w", catalog.ErrUnavailable, secret), "catalog unavailable: retry later", true},
		{fmt.Errorf("put object: %w: %w", blobstore.ErrUnavailable, secret), "object store unavailable: retry later", true},
		{fmt.Errorf("insert block: %w", secret), "internal error", true},
	} {
		got := clientMessage(statusFor(c.err), c.err)
		if !strings.Contains(got, c.want) {
			t.Errorf("clientMessage(%v) = %q, want it to say %q", c.err, got, c.want)
		}
		if c.mustHide && strings.Contains(got, "db.internal") {
			t.Errorf("clientMessage(%v) = %q leaks server details", c.err, got)
		}
	}
}
