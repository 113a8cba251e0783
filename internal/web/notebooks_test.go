package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/micromegas-go/micromegas/internal/catalog/sqlite"
)

// notebookServer serves the notebook API over a real SQLite catalog.
func notebookServer(t *testing.T) *httptest.Server {
	t.Helper()
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	s, err := New(Options{Addr: "127.0.0.1:0", Querier: &fakeQuerier{}, Notebooks: store})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// call sends a request and decodes a JSON answer into out (when not nil).
func call(t *testing.T, method, url, body string, out any) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, b)
		}
	}
	return resp.StatusCode, string(b)
}

func TestNotebookAPI(t *testing.T) {
	srv := notebookServer(t)
	var nb notebookJSON
	status, body := call(t, "POST", srv.URL+"/api/notebooks", `{"name": "latency", "content": {"cells": [{"type": "sql", "text": "SELECT 1"}]}}`, &nb)
	if status != http.StatusCreated || nb.Revision != 1 || nb.Name != "latency" || len(nb.ID) != 36 {
		t.Fatalf("create: %d %s", status, body)
	}
	var got notebookJSON
	if status, body := call(t, "GET", srv.URL+"/api/notebooks/"+nb.ID, "", &got); status != 200 || !strings.Contains(string(got.Content), `"SELECT 1"`) {
		t.Fatalf("get: %d %s", status, body)
	}
	var saved notebookJSON
	if status, body := call(t, "PUT", srv.URL+"/api/notebooks/"+nb.ID, `{"name": "latency p99", "content": {"cells": []}, "revision": 1}`, &saved); status != 200 || saved.Revision != 2 {
		t.Fatalf("save: %d %s", status, body)
	}
	var list []notebookJSON
	if status, body := call(t, "GET", srv.URL+"/api/notebooks", "", &list); status != 200 || len(list) != 1 || list[0].Name != "latency p99" || list[0].Content != nil {
		t.Fatalf("list: %d %s", status, body)
	}
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		msg                      string
	}{
		{"StaleRevision", "PUT", "/api/notebooks/" + nb.ID, `{"name": "x", "content": {}, "revision": 1}`, 409, "saved by someone else"},
		{"NoRevision", "PUT", "/api/notebooks/" + nb.ID, `{"name": "x", "content": {}}`, 400, "revision is required"},
		{"NoName", "POST", "/api/notebooks", `{"content": {}}`, 400, "needs a name"},
		{"NotJSON", "POST", "/api/notebooks", `{"name": `, 400, "must be a JSON object"},
		{"BadID", "GET", "/api/notebooks/nope", "", 400, "notebook id"},
		{"Missing", "GET", "/api/notebooks/0a1b2c3d-0000-4000-8000-000000000000", "", 404, "no such notebook"},
		{"TooLarge", "POST", "/api/notebooks", `{"name": "big", "content": "` + strings.Repeat("a", 1<<20+70<<10) + `"}`, 413, "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := call(t, tc.method, srv.URL+tc.path, tc.body, nil)
			if status != tc.status || !strings.Contains(body, tc.msg) {
				t.Errorf("%s %s = %d %s; want %d mentioning %q", tc.method, tc.path, status, body, tc.status, tc.msg)
			}
		})
	}
	if status, _ := call(t, "DELETE", srv.URL+"/api/notebooks/"+nb.ID, "", nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d", status)
	}
	if status, _ := call(t, "DELETE", srv.URL+"/api/notebooks/"+nb.ID, "", nil); status != http.StatusNotFound {
		t.Fatalf("second delete: %d, want 404", status)
	}
}

func TestNotebooksNotKept(t *testing.T) {
	s, err := New(Options{Querier: &fakeQuerier{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	if status, body := call(t, "GET", srv.URL+"/api/notebooks", "", nil); status != http.StatusNotImplemented || !strings.Contains(body, "keeps no notebooks") {
		t.Fatalf("GET /api/notebooks without a store = %d %s, want 501", status, body)
	}
}
