// Package auth authenticates and authorizes the requests of every server
// role: ingestion (HTTP), analytics (FlightSQL over gRPC and the HTTP query
// API) and whatever is mounted on them later.
//
// An [Authenticator] runs a chain of [Provider]s over the credentials of a
// request and returns the caller's [Identity]: API keys from
// MICROMEGAS_API_KEYS, API keys minted into the catalog (stored as SHA-256
// hashes), and OpenID Connect bearer tokens (id_tokens of people, JWT
// access tokens of service accounts) checked with github.com/coreos/go-oidc.
// The first provider that recognizes the credentials decides. Providers
// see the request's headers, not only its bearer token, so a cookie
// session provider can join the chain.
//
// The servers plug it in through [Authenticator.Middleware] (HTTP) and
// [Authenticator.UnaryInterceptor] / [Authenticator.StreamInterceptor]
// (gRPC), each given the [Scope] the server requires; /health, /ready and
// the gRPC health service stay open. Handlers read the identity with
// [FromContext]; no handler checks tokens itself.
//
// [Open] is the authenticator of a server that runs without
// authentication (loopback addresses, or --disable-auth): every request is
// the anonymous admin.
package auth
