package websession

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"time"

	"github.com/micromegas-go/micromegas/internal/auth"
)

// session is the sealed value of the session cookie: who signed in and
// until when, never a token.
type session struct {
	ID      string `json:"sid"`
	Subject string `json:"sub"`
	Email   string `json:"email,omitempty"`
	Issuer  string `json:"iss"`
	Expires int64  `json:"exp"` // Unix milliseconds
}

// errExpired is the refusal of a session past its expiry.
var errExpired = errors.New("the web session has expired: sign in again")

// fromRequest returns the valid session of an HTTP request.
func (s *Sessions) fromRequest(r *http.Request) (session, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return session{}, auth.ErrNoCredentials
	}
	return s.open(c.Value)
}

// open checks a session cookie's value.
func (s *Sessions) open(value string) (session, error) {
	var sess session
	if err := s.seal.open(SessionCookie, value, &sess); err != nil {
		return session{}, fmt.Errorf("web session refused: %w: sign in again", err)
	}
	switch {
	case sess.Issuer != s.cfg.Issuer || sess.Subject == "" || sess.ID == "":
		return session{}, errors.New("web session refused: not a session of this server's sign-in: sign in again")
	case s.now().UnixMilli() >= sess.Expires:
		return session{}, errExpired
	case s.revoked.has(sess.ID):
		return session{}, errors.New("web session refused: it was signed out: sign in again")
	}
	return sess, nil
}

// Authenticate implements auth.Provider: the identity of the session
// cookie, the same as an id_token of the same person used as a bearer
// token would give. Requests with a bearer token are left to the other
// providers. The cookie is refused on a cross-site request, and on a
// request that may change data without Content-Type: application/json.
func (s *Sessions) Authenticate(_ context.Context, c auth.Credentials) (auth.Identity, error) {
	if c.Bearer != "" || c.Header == nil {
		return auth.Identity{}, auth.ErrNoCredentials
	}
	value := sessionCookie(c.Header("cookie"))
	if value == "" {
		return auth.Identity{}, auth.ErrNoCredentials
	}
	method := c.Header(":method")
	if method == "" {
		// Not an HTTP request (gRPC metadata): sessions are for browsers.
		return auth.Identity{}, auth.ErrNoCredentials
	}
	if site := c.Header("sec-fetch-site"); site != "" && site != "same-origin" && site != "none" {
		return auth.Identity{}, fmt.Errorf("the web session is not accepted on a request from another site (Sec-Fetch-Site: %.20s)", site)
	}
	if !safeMethod(method) {
		mt, _, _ := mime.ParseMediaType(c.Header("content-type"))
		if mt != "application/json" {
			return auth.Identity{}, fmt.Errorf("a %s with the web session must send Content-Type: application/json (protection against cross-site request forgery)", method)
		}
	}
	sess, err := s.open(value)
	if err != nil {
		return auth.Identity{}, err
	}
	return auth.Identity{
		Subject: sess.Subject, Email: sess.Email, Issuer: sess.Issuer, Kind: auth.KindOIDC,
		Scopes: auth.Scopes(auth.ScopeIngest | auth.ScopeQuery), Expires: time.UnixMilli(sess.Expires),
	}, nil
}

// safeMethod reports whether a method only reads.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// sessionCookie returns the value of the session cookie in a Cookie
// header; "" without one.
func sessionCookie(header string) string {
	if header == "" {
		return ""
	}
	cookies, err := http.ParseCookie(header)
	if err != nil {
		// A malformed pair elsewhere in the header: read ours alone.
		for _, c := range (&http.Request{Header: http.Header{"Cookie": {header}}}).Cookies() {
			if c.Name == SessionCookie {
				return c.Value
			}
		}
		return ""
	}
	for _, c := range cookies {
		if c.Name == SessionCookie {
			return c.Value
		}
	}
	return ""
}
