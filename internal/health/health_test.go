package health

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestProbes(t *testing.T) {
	ok := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("dial tcp 127.0.0.1:5432: connection refused") }
	cases := []struct {
		name     string
		roles    []string
		checks   []Check
		path     string
		wantCode int
		want     Status
	}{
		{"health needs no store", []string{"ingestion"}, []Check{{"catalog", down}}, "/health",
			200, Status{Status: "ok", Roles: []string{"ingestion"}}},
		{"ready", []string{"ingestion", "analytics"}, []Check{{"catalog", ok}, {"object_store", ok}}, "/ready",
			200, Status{Status: "ready", Roles: []string{"ingestion", "analytics"}, Checks: map[string]string{"catalog": "ok", "object_store": "ok"}}},
		{"one store down", []string{"maintenance"}, []Check{{"catalog", ok}, {"object_store", down}}, "/ready",
			503, Status{Status: "not ready", Roles: []string{"maintenance"}, Checks: map[string]string{"catalog": "ok", "object_store": "unavailable"}}},
		{"no roles", nil, nil, "/health", 200, Status{Status: "ok", Roles: []string{}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			New(c.roles, c.checks, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
			if rec.Code != c.wantCode {
				t.Errorf("status %d, want %d", rec.Code, c.wantCode)
			}
			var got Status
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("body %+v, want %+v", got, c.want)
			}
			if s := rec.Body.String(); containsAny(s, "refused", "5432") {
				t.Errorf("the cause leaked to the public probe: %s", s)
			}
		})
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
