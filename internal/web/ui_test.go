package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestUIRoutes(t *testing.T) {
	ui := fstest.MapFS{
		"index.html":         {Data: []byte("<!doctype html><title>ui</title>")},
		"assets/app-1234.js": {Data: []byte("console.log(1)")},
	}
	// The middleware refuses everything: the UI's files still load, the API answers 401.
	deny := func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "sign in", "login_url": "/auth/login"})
		})
	}
	s, err := New(Options{Querier: &fakeQuerier{}, UI: ui, Middleware: deny})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for _, tc := range []struct {
		method, path string
		status       int
		body, header string
	}{
		{"GET", "/", 200, "<title>ui</title>", "no-cache"},
		{"GET", "/process/0a1b2c3d-0000-4000-8000-000000000000?tab=logs", 200, "<title>ui</title>", "no-cache"},
		{"GET", "/notebooks/new", 200, "<title>ui</title>", "no-cache"},
		{"GET", "/assets/app-1234.js", 200, "console.log", "immutable"},
		{"GET", "/assets/missing.js", 404, "not found", ""},
		{"GET", "/favicon.ico", 404, "not found", ""},
		{"GET", "/api/nope", 401, "sign in", ""}, // unknown API paths too: nothing answers before the middleware
		{"POST", "/", 405, "read with GET", ""},
		{"GET", "/api/notebooks", 401, `"login_url":"/auth/login"`, ""},
		{"POST", "/api/query", 401, "sign in", ""},
		{"GET", "/health", 200, "ok", ""},
	} {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(`{"sql":"SELECT 1"}`))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.body) {
				t.Errorf("= %d %q; want %d with %q", resp.StatusCode, b, tc.status, tc.body)
			}
			if tc.header != "" && !strings.Contains(resp.Header.Get("Cache-Control"), tc.header) {
				t.Errorf("Cache-Control = %q; want %q", resp.Header.Get("Cache-Control"), tc.header)
			}
			if tc.header == "no-cache" && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
				t.Errorf("the page has no Content-Security-Policy")
			}
		})
	}
}

// TestUnknownAPIRoute: behind a middleware that lets the request in, an
// unknown API path is a JSON 404.
func TestUnknownAPIRoute(t *testing.T) {
	s, err := New(Options{Querier: &fakeQuerier{}, Middleware: func(h http.Handler) http.Handler { return h }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for _, p := range []string{"/api/nope", "/gateway/nope"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(b), "no such API route") {
			t.Errorf("GET %s = %d %q; want a JSON 404", p, resp.StatusCode, b)
		}
	}
}

func TestEmbeddedUI(t *testing.T) {
	s, err := New(Options{Querier: &fakeQuerier{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "<title>Micromegas</title>") || !strings.Contains(string(b), "/assets/index-") {
		t.Fatalf("GET / = %d %s; want the built UI", resp.StatusCode, b)
	}
}
