// Package clientauth holds the credentials of Micromegas clients: the
// telemetry sink, the client package and the CLI. A client sends one
// bearer token per request, taken from an oauth2.TokenSource that is, in
// order of preference:
//
//   - an API key (MICROMEGAS_API_KEY, or MICROMEGAS_INGESTION_API_KEY for
//     the sink);
//   - for the CLI, the tokens of `micromegas login` (authorization code
//     with PKCE on a localhost redirect), kept in ~/.micromegas/tokens.json
//     and refreshed with their refresh token;
//   - OAuth2 client credentials of a service account
//     (MICROMEGAS_OIDC_CLIENT_ID and MICROMEGAS_OIDC_CLIENT_SECRET, with
//     MICROMEGAS_OIDC_TOKEN_ENDPOINT or the MICROMEGAS_OIDC_ISSUER to
//     discover it, MICROMEGAS_OIDC_AUDIENCE, MICROMEGAS_OIDC_SCOPE),
//     cached and renewed a minute before expiry.
//
// It also reads MICROMEGAS_CA_FILE, the extra certificate authority of
// https:// and grpc+tls:// connections. It depends on golang.org/x/oauth2
// and the standard library only, so instrumented programs stay light.
package clientauth
