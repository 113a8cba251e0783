package auth_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/micromegas-go/micromegas/internal/auth"
)

// TestMiddleware checks the answers of the HTTP middleware: 401 with a
// one-line reason and a WWW-Authenticate header, 403 for a missing scope,
// and the identity and attribution headers passed to the handler.
func TestMiddleware(t *testing.T) {
	keys, err := auth.ParseStaticKeys(`[{"name": "ci", "key": "` + ciKey + `", "scope": "ingest"}, {"name": "grafana", "key": "` + grafanaKey + `", "scope": "query"}]`)
	if err != nil {
		t.Fatal(err)
	}
	a := auth.New(auth.Admins{}, nil, keys)
	srv := httptest.NewServer(a.Middleware(auth.ScopeQuery)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := auth.FromContext(r.Context())
		fmt.Fprintf(w, "%v %s", ok, id.Subject)
	})))
	defer srv.Close()
	for _, c := range []struct {
		name, header string
		status       int
		body         string
	}{
		{"no token", "", 401, "no credentials"},
		{"basic auth", "Basic Z3Vlc3Q6Z3Vlc3Q=", 401, "Bearer <token>"},
		{"wrong key", "Bearer " + ciKey + "x", 401, "invalid token"},
		{"ingest key querying", "Bearer " + ciKey, 403, `ci has the scopes "ingest": querying needs the query scope`},
		{"query key", "Bearer " + grafanaKey, 200, "true grafana"},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/query", nil)
		if c.header != "" {
			req.Header.Set("Authorization", c.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := strings.TrimSpace(string(b))
		if resp.StatusCode != c.status || !strings.Contains(body, c.body) || strings.Contains(body, "\n") {
			t.Errorf("%s: %d %q, want %d and one line saying %q", c.name, resp.StatusCode, body, c.status, c.body)
		}
		if c.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: WWW-Authenticate %q", c.name, resp.Header.Get("WWW-Authenticate"))
		}
	}
}

// TestOpen checks that an open authenticator lets everything in as the
// anonymous admin, even requests with credentials it cannot check.
func TestOpen(t *testing.T) {
	a := auth.Open()
	srv := httptest.NewServer(a.Middleware(auth.ScopeAdmin)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := auth.FromContext(r.Context())
		fmt.Fprintf(w, "%s %v", id.Kind, id.Admin)
	})))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Authorization", "Bearer whatever")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "anonymous true" {
		t.Fatalf("open server: %d %q", resp.StatusCode, b)
	}
}
