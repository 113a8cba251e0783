package ingest

import (
	"errors"
	"net/http"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// statusFor maps an ingestion error to its HTTP status: 400 for input we
// cannot accept, 409 for a block id reused with different content or for
// another stream or process, 413 for
// a body over the limit, 503 when a backing store is
// unavailable (the client should retry), 500 otherwise.
func statusFor(err error) int {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, transit.ErrInvalid), errors.Is(err, catalog.ErrInvalidID), errors.Is(err, errTruncated),
		errors.Is(err, errInvalidInput):
		return http.StatusBadRequest
	case errors.Is(err, blobstore.ErrConflict), errors.Is(err, catalog.ErrConflict):
		// A block id reused with another payload: the client is wrong,
		// and retrying will not help.
		return http.StatusConflict
	case errors.Is(err, catalog.ErrUnavailable), errors.Is(err, blobstore.ErrUnavailable):
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// clientMessage is the text of an error response. Input errors are
// explained in full; for server-side failures the client learns which
// store failed and whether to retry, while the details (hosts, buckets,
// driver messages) stay in the server log.
func clientMessage(code int, err error) string {
	switch {
	case code < 500:
		return err.Error()
	case code == http.StatusServiceUnavailable && errors.Is(err, catalog.ErrUnavailable):
		return catalog.ErrUnavailable.Error() + ": retry later"
	case code == http.StatusServiceUnavailable:
		return blobstore.ErrUnavailable.Error() + ": retry later"
	default:
		return "internal error: see the ingestion server log"
	}
}
