package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
)

// ErrNoCredentials is returned when a request carries no credentials; a
// [Provider] returns it (wrapped or not) for credentials that are not of
// its kind, so that the chain tries the next provider.
var ErrNoCredentials = errors.New("no credentials: send the header Authorization: Bearer <token> with an API key or an OpenID Connect token")

// ErrUnauthenticated is matched by the errors of refused credentials
// (HTTP 401, gRPC Unauthenticated).
var ErrUnauthenticated = errors.New("unauthenticated")

// ErrForbidden is matched by the errors of an identity that may not do
// what it asks (HTTP 403, gRPC PermissionDenied).
var ErrForbidden = errors.New("forbidden")

// ErrUnavailable is matched by the errors of a provider that cannot tell
// right now (the catalog holding the keys does not answer): HTTP 503,
// gRPC Unavailable. The client should retry.
var ErrUnavailable = errors.New("authentication unavailable")

// Credentials are what a provider sees of a request.
type Credentials struct {
	// Bearer is the token of the Authorization header; "" without one.
	Bearer string
	// Header returns the value of a request header given in lower case
	// ("cookie"): an HTTP header or a gRPC metadata value. For HTTP
	// requests, the pseudo-header ":method" is the request's method
	// (gRPC calls answer ""), so that a cookie session can refuse
	// requests that change data without CSRF protection.
	Header func(name string) string
}

// looksLikeJWT reports whether a bearer token has the three parts of a
// compact JWT; API keys never do, so key providers skip such tokens
// without hashing them.
func looksLikeJWT(tok string) bool { return strings.Count(tok, ".") == 2 }

// Provider recognizes one kind of credentials.
type Provider interface {
	// Authenticate returns the identity the credentials prove. It
	// returns an error wrapping ErrNoCredentials when they are not of
	// its kind, so that the chain goes on, and any other error when they
	// are of its kind and refused: that error's text becomes the reason
	// of the 401, so it says what is wrong and never holds a secret.
	Authenticate(ctx context.Context, c Credentials) (Identity, error)
}

// Authenticator turns the credentials of a request into an identity
// through a chain of providers. It is safe for concurrent use.
type Authenticator struct {
	providers []Provider
	admins    Admins
	open      bool
	log       *slog.Logger
}

// New returns an authenticator that asks the providers in order; the
// first one that recognizes the credentials decides. Identities that
// admins names are admins. log receives one line per refused request
// (never the credentials); nil discards.
func New(admins Admins, log *slog.Logger, providers ...Provider) *Authenticator {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Authenticator{providers: providers, admins: admins, log: log}
}

// Open returns the authenticator of a server that runs without
// authentication: every request, with or without credentials, is
// [Anonymous].
func Open() *Authenticator {
	return &Authenticator{open: true, log: slog.New(slog.DiscardHandler)}
}

// IsOpen reports whether the authenticator lets every request in.
func (a *Authenticator) IsOpen() bool { return a.open }

// Authenticate returns the identity of a request whose headers header
// returns (names given in lower case). Errors wrap ErrUnauthenticated or
// ErrUnavailable and give a one-line reason.
func (a *Authenticator) Authenticate(ctx context.Context, header func(name string) string) (Identity, error) {
	if a.open {
		return Anonymous, nil
	}
	bearer, err := ParseBearer(header("authorization"))
	if err != nil && !errors.Is(err, ErrNoCredentials) {
		return Identity{}, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	c := Credentials{Bearer: bearer, Header: header}
	for _, p := range a.providers {
		id, err := p.Authenticate(ctx, c)
		switch {
		case err == nil:
			if a.admins.Match(id) {
				id.Admin = true
			}
			return id, nil
		case errors.Is(err, ErrNoCredentials):
			continue
		case errors.Is(err, ErrUnavailable):
			return Identity{}, err
		}
		return Identity{}, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	if bearer == "" {
		return Identity{}, fmt.Errorf("%w: %w", ErrUnauthenticated, ErrNoCredentials)
	}
	return Identity{}, fmt.Errorf("%w: invalid token: neither an API key this server knows nor a token of a configured OpenID Connect issuer", ErrUnauthenticated)
}

// tokenBufs are buffers for hashing tokens without allocating.
var tokenBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// hashToken returns the SHA-256 of a token.
func hashToken(tok string) [sha256.Size]byte {
	bp := tokenBufs.Get().(*[]byte)
	buf := append((*bp)[:0], tok...)
	h := sha256.Sum256(buf)
	*bp = buf[:0]
	tokenBufs.Put(bp)
	return h
}

// authorize authenticates a request and checks that its identity grants
// required.
func (a *Authenticator) authorize(ctx context.Context, required Scope, header func(string) string) (Identity, error) {
	id, err := a.Authenticate(ctx, header)
	if err != nil {
		return id, err
	}
	if !id.Allows(required) {
		return id, fmt.Errorf("%w: %s has the scopes %q: %s needs the %s scope", ErrForbidden, id.Name(), id.Scopes.String(), required.doing(), required)
	}
	return id, nil
}

// doing says what a scope allows, for refusals.
func (sc Scope) doing() string {
	switch sc {
	case ScopeIngest:
		return "sending telemetry"
	case ScopeQuery:
		return "querying"
	}
	return "this"
}
