package auth

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Kind says how an identity was established.
type Kind uint8

// Kinds of identities.
const (
	// KindAnonymous is the caller of a server running without
	// authentication.
	KindAnonymous Kind = iota
	// KindAPIKey is the holder of an API key (MICROMEGAS_API_KEYS or a
	// key minted into the catalog).
	KindAPIKey
	// KindOIDC is the bearer of a token of an OpenID Connect issuer: a
	// person (id_token) or a service account (JWT access token).
	KindOIDC
)

// String returns "anonymous", "api_key" or "oidc".
func (k Kind) String() string {
	switch k {
	case KindAPIKey:
		return "api_key"
	case KindOIDC:
		return "oidc"
	}
	return "anonymous"
}

// Scope is a right a request needs. An identity holds a set of them
// ([Scopes]); the admin scope grants every other.
type Scope uint8

// Scopes of API keys and identities.
const (
	// ScopeIngest allows writing telemetry (the ingestion routes).
	ScopeIngest Scope = 1 << iota
	// ScopeQuery allows reading: FlightSQL and the HTTP query API.
	ScopeQuery
	// ScopeAdmin allows everything, including the functions that change
	// the lakehouse, bulk ingestion over FlightSQL and minting keys.
	ScopeAdmin
)

// Scopes is a set of scopes.
type Scopes uint8

// AllScopes is every scope.
const AllScopes = Scopes(ScopeIngest | ScopeQuery | ScopeAdmin)

// Has reports whether s grants sc: it holds sc, or it holds admin.
func (s Scopes) Has(sc Scope) bool { return s&Scopes(sc|ScopeAdmin) != 0 }

// String lists the scopes, "ingest,query,admin".
func (s Scopes) String() string {
	var names []string
	for _, sc := range []Scope{ScopeIngest, ScopeQuery, ScopeAdmin} {
		if s&Scopes(sc) != 0 {
			names = append(names, sc.String())
		}
	}
	return strings.Join(names, ",")
}

// String returns the scope's name: "ingest", "query" or "admin".
func (sc Scope) String() string {
	switch sc {
	case ScopeIngest:
		return "ingest"
	case ScopeQuery:
		return "query"
	case ScopeAdmin:
		return "admin"
	}
	return fmt.Sprintf("scope(%d)", uint8(sc))
}

// ParseScope reads a scope name.
func ParseScope(name string) (Scope, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "ingest":
		return ScopeIngest, nil
	case "query":
		return ScopeQuery, nil
	case "admin":
		return ScopeAdmin, nil
	}
	return 0, fmt.Errorf("unknown scope %q: use ingest, query or admin", name)
}

// Identity is who made a request, as the servers see it.
type Identity struct {
	// Subject is the token's sub claim, or the name of an API key.
	Subject string
	// Email is the first of the token's email, preferred_username and
	// upn claims; "" for API keys.
	Email string
	// Issuer is the token's iss claim; "api_key" for keys of
	// MICROMEGAS_API_KEYS, "catalog" for keys minted into the catalog.
	Issuer string
	Kind   Kind
	// Admin is true for admins: MICROMEGAS_ADMINS names the subject,
	// email or key name, or the key has the admin scope.
	Admin bool
	// Scopes are what the identity may do; Admin implies all.
	Scopes Scopes
	// Expires is when the credentials stop being valid; zero when they
	// do not expire.
	Expires time.Time
}

// Allows reports whether the identity may do what sc covers.
func (id Identity) Allows(sc Scope) bool { return id.Admin || id.Scopes.Has(sc) }

// Name is the identity as a person reads it: the email when there is one,
// else the subject.
func (id Identity) Name() string {
	if id.Email != "" {
		return id.Email
	}
	return id.Subject
}

// Anonymous is the identity of every request to a server running without
// authentication: an admin, since whoever reaches such a server can
// already read and write everything.
var Anonymous = Identity{Subject: "anonymous", Kind: KindAnonymous, Admin: true, Scopes: AllScopes}

// caller is what the middleware keeps in a request's context.
type caller struct {
	id Identity
	// client holds the attribution headers the client sent
	// (x-client-type, x-user-*), as name/value pairs.
	client []string
}

type callerKey struct{}

// WithIdentity returns ctx carrying id, and the attribution headers of
// the request (name/value pairs) for audit lines.
func WithIdentity(ctx context.Context, id Identity, clientHeaders ...string) context.Context {
	return context.WithValue(ctx, callerKey{}, &caller{id: id, client: clientHeaders})
}

// FromContext returns the identity the middleware or interceptor stored
// in ctx; false when the request did not go through one (then nothing is
// allowed).
func FromContext(ctx context.Context) (Identity, bool) {
	c, ok := ctx.Value(callerKey{}).(*caller)
	if !ok {
		return Identity{}, false
	}
	return c.id, true
}

// clientHeaders returns the attribution headers stored with the identity.
func clientHeaders(ctx context.Context) []string {
	if c, ok := ctx.Value(callerKey{}).(*caller); ok {
		return c.client
	}
	return nil
}

// AttributionHeaders are the request headers copied into audit lines:
// the client's type and, for a client acting on behalf of its own users
// (the Grafana plugin), who they are.
var AttributionHeaders = []string{"x-client-type", "x-user-id", "x-user-email", "x-user-name"}
