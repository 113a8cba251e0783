package otlp

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
)

// retryAfter is what a client is told to wait when a store is
// unavailable (the Retry-After header, gRPC RetryInfo).
const retryAfter = 5 * time.Second

// inputError is a request the receiver refuses whole: status is its
// HTTP status (400, 413 or 415) and the message says what to send.
type inputError struct {
	status int
	msg    string
}

func (e *inputError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &inputError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// classify returns the HTTP status and gRPC code of an error, and the
// message the client gets: input errors in full, store failures by the
// store and a request to retry, anything else as an internal error
// (the details go to the server log).
func classify(err error) (int, codes.Code, string) {
	var in *inputError
	switch {
	case errors.As(err, &in):
		code := codes.InvalidArgument
		if in.status == http.StatusRequestEntityTooLarge {
			code = codes.ResourceExhausted
		}
		// Decoder errors may quote the body: protobuf strings must be
		// UTF-8.
		return in.status, code, strings.ToValidUTF8(in.msg, "\uFFFD")
	case errors.Is(err, catalog.ErrUnavailable):
		return http.StatusServiceUnavailable, codes.Unavailable, catalog.ErrUnavailable.Error() + ": retry later"
	case errors.Is(err, blobstore.ErrUnavailable):
		return http.StatusServiceUnavailable, codes.Unavailable, blobstore.ErrUnavailable.Error() + ": retry later"
	}
	return http.StatusInternalServerError, codes.Internal, "internal error: see the ingestion server log"
}
