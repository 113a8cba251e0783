package auth

import (
	"errors"
	"net/http"
	"strings"
)

// Middleware returns the HTTP middleware of a server whose routes need
// the scope required: it authenticates every request, answers 401 (no or
// refused credentials), 403 (scope missing) or 503 (cannot tell now) with
// a one-line reason, and passes the others on with their identity in the
// request's context ([FromContext]).
//
// Wrap the whole router with it, so every route mounted later is covered
// without doing anything; mount the routes that stay open (/health,
// /ready) outside it.
func (a *Authenticator) Middleware(required Scope) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, err := a.authorize(r.Context(), required, r.Header.Get)
			if err != nil {
				a.refuseHTTP(w, r, err)
				return
			}
			r2 := r.WithContext(WithIdentity(r.Context(), id, attribution(r.Header.Get)...))
			next.ServeHTTP(w, r2)
			// A ServeMux behind this middleware records the route it
			// matched on r2: hand it back to the middleware outside
			// (request tracing names its spans after it).
			r.Pattern = r2.Pattern
		})
	}
}

// refuseHTTP answers a refused request.
func (a *Authenticator) refuseHTTP(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusUnauthorized
	switch {
	case errors.Is(err, ErrForbidden):
		status = http.StatusForbidden
	case errors.Is(err, ErrUnavailable):
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "5")
	default:
		w.Header().Set("WWW-Authenticate", `Bearer realm="micromegas"`)
	}
	msg := reason(err)
	a.log.Info("request refused", "status", status, "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr, "reason", msg)
	http.Error(w, msg, status)
}

// reason is the one-line text of a refusal: the error without the
// sentinel's prefix.
func reason(err error) string {
	msg := err.Error()
	for _, p := range []string{ErrUnauthenticated.Error() + ": ", ErrForbidden.Error() + ": "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return strings.ReplaceAll(msg, "\n", " ")
}

// attribution returns the attribution headers present, as name/value
// pairs.
func attribution(header func(string) string) []string {
	var kv []string
	for _, h := range AttributionHeaders {
		if v := header(h); v != "" {
			if len(v) > 256 {
				v = v[:256]
			}
			kv = append(kv, h, v)
		}
	}
	return kv
}
