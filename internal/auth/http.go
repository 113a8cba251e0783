package auth

import (
	"encoding/json"
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
func (a *Authenticator) Middleware(required Scope, opts ...MiddlewareOption) func(http.Handler) http.Handler {
	var o middlewareOptions
	for _, opt := range opts {
		opt(&o)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, err := a.authorize(r.Context(), required, requestHeader(r))
			if err != nil {
				a.refuseHTTP(w, r, err, o.loginURL)
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

// MiddlewareOption changes how Middleware answers.
type MiddlewareOption func(*middlewareOptions)

type middlewareOptions struct {
	loginURL string
}

// LoginURL makes the middleware answer a 401 with the JSON body
// {"error": reason, "login_url": url}: the web UI shows the reason and a
// sign-in link to url (the server's sign-in, /auth/login).
func LoginURL(url string) MiddlewareOption {
	return func(o *middlewareOptions) { o.loginURL = url }
}

// requestHeader returns the header function of a request given to the
// providers: its headers, and its method as the pseudo-header ":method".
func requestHeader(r *http.Request) func(string) string {
	return func(name string) string {
		if name == ":method" {
			return r.Method
		}
		return r.Header.Get(name)
	}
}

// refuseHTTP answers a refused request; with a login URL, a 401 is JSON
// holding it.
func (a *Authenticator) refuseHTTP(w http.ResponseWriter, r *http.Request, err error, loginURL string) {
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
	if status == http.StatusUnauthorized && loginURL != "" {
		b, _ := json.Marshal(map[string]string{"error": msg, "login_url": loginURL})
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(status)
		w.Write(append(b, '\n'))
		return
	}
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
