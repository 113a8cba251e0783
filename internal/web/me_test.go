package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/micromegas-go/micromegas/internal/auth"
)

// TestAuthRoutes: /auth/me answers the identity the middleware found (and
// its refusal without one), the sign-in routes of Options.SignIn are
// reached without credentials, and a server without a sign-in says so.
func TestAuthRoutes(t *testing.T) {
	keys, err := auth.ParseStaticKeys(`[{"name": "grafana", "key": "grafana-key-0123456789", "scope": "query"}]`)
	if err != nil {
		t.Fatal(err)
	}
	a := auth.New(auth.Admins{}, nil, keys)
	signIn := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "sign-in "+r.URL.Path) })
	with, _ := newTestServer(t, Options{Middleware: a.Middleware(auth.ScopeQuery, auth.LoginURL("/auth/login")), SignIn: signIn})
	without, _ := newTestServer(t, Options{Middleware: a.Middleware(auth.ScopeQuery)})
	get := func(base, path, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct {
		name, base, path, token string
		status                  int
		want                    string
	}{
		{"me without credentials", with.URL, "/auth/me", "", 401, `"login_url":"/auth/login"`},
		{"me with a key", with.URL, "/auth/me", "grafana-key-0123456789", 200, `"subject":"grafana","name":"grafana","issuer":"api_key","auth":"api_key","admin":false,"scopes":"query","sign_out":true`},
		{"login without credentials", with.URL, "/auth/login", "", 200, "sign-in /auth/login"},
		{"callback without credentials", with.URL, "/auth/callback", "", 200, "sign-in /auth/callback"},
		{"no sign-in", without.URL, "/auth/login", "", 404, "does not sign people in"},
		{"me without sign-in", without.URL, "/auth/me", "grafana-key-0123456789", 200, `"sign_out":false`},
		{"401 without sign-in is text", without.URL, "/auth/me", "", 401, "no credentials"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := get(c.base, c.path, c.token)
			if status != c.status || !strings.Contains(body, c.want) {
				t.Errorf("%d %s, want %d with %s", status, body, c.status, c.want)
			}
			if c.name == "401 without sign-in is text" && json.Valid([]byte(body)) {
				t.Errorf("a 401 without sign-in is JSON: %s", body)
			}
		})
	}
}
