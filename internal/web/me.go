package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/micromegas-go/micromegas/internal/auth"
)

// me is the answer of GET /auth/me.
type me struct {
	Subject string `json:"subject"`
	Email   string `json:"email,omitempty"`
	// Name is what the UI shows: the email, else the subject.
	Name   string `json:"name"`
	Issuer string `json:"issuer,omitempty"`
	// Auth is how the identity was established: anonymous, api_key, oidc.
	Auth   string `json:"auth"`
	Admin  bool   `json:"admin"`
	Scopes string `json:"scopes"`
	// Expires is when the credentials (the web session) end.
	Expires *time.Time `json:"expires,omitempty"`
	// SignOut is true when the server signs people in (POST /auth/logout
	// ends the session).
	SignOut bool `json:"sign_out"`
}

// authMe answers the identity of the request, as every /api/ route sees
// it: the middleware authenticated it (a request without credentials got
// its 401 there).
func (s *Server) authMe(w http.ResponseWriter, r *http.Request) {
	id, ok := auth.FromContext(r.Context())
	if !ok {
		id = auth.Anonymous
	}
	m := me{Subject: id.Subject, Email: id.Email, Name: id.Name(), Issuer: id.Issuer, Auth: id.Kind.String(),
		Admin: id.Admin, Scopes: id.Scopes.String(), SignOut: s.opts.SignIn != nil}
	if id.Admin {
		m.Scopes = auth.AllScopes.String()
	}
	if !id.Expires.IsZero() {
		e := id.Expires.UTC()
		m.Expires = &e
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(m)
}
