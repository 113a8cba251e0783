// Package websession signs people in to the web UI with OpenID Connect:
// the server runs the authorization-code flow (with state, nonce and
// PKCE) against one issuer of MICROMEGAS_OIDC_CONFIG as a confidential
// client, verifies the id_token with go-oidc and keeps who signed in in a
// session cookie.
//
//	GET  /auth/login?return=/path   redirect to the issuer (return: a path of this site)
//	GET  /auth/callback             the issuer's redirect: check state, trade the code, verify the id_token, set the session
//	POST /auth/logout               end the session (GET shows a sign-out form)
//
// The session cookie (HttpOnly, SameSite=Lax, Secure over TLS or behind an
// https base URL, Path=/) holds a value sealed with AES-256-GCM under the
// server's session key: the identity and an expiry, never a token. Nodes
// sharing MICROMEGAS_WEB_SESSION_KEY accept each other's sessions.
//
// [Sessions] is also an auth.Provider: the one authenticator of the
// server reads the cookie through it, so a signed-in person is authorized
// on every route exactly as a bearer token of the same identity (admins,
// scopes, audit lines); no route reads the cookie itself. Against
// cross-site request forgery, the cookie is refused on a request whose
// Sec-Fetch-Site says it comes from another site, and on a request that
// may change data (any method but GET, HEAD and OPTIONS) without
// Content-Type: application/json, which a form of another site cannot
// send and a script of another site cannot send without a CORS preflight
// that this server never grants; SameSite=Lax already keeps browsers from
// sending the cookie with cross-site POSTs.
package websession
