package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// auditLines runs write with an auditor logging JSON at level into a
// buffer (the handler keeps debug lines) and returns the lines decoded.
func auditLines(t *testing.T, level slog.Level, write func(a *Auditor)) []map[string]any {
	t.Helper()
	var buf bytes.Buffer
	write(NewAuditorAt(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), level))
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("audit line %q is not JSON: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// TestAuditQueryLine checks every field of a query's audit line: the
// identity, the client's attribution headers, the SQL (cut at
// maxAuditSQL), duration, rows, bytes, the time range, and the error of
// a failed query; and the level the auditor was made with.
func TestAuditQueryLine(t *testing.T) {
	id := Identity{Subject: "grafana", Email: "g@example.com", Issuer: "api_key", Kind: KindAPIKey, Scopes: Scopes(ScopeQuery)}
	client := []string{"x-client-type", "grafana-plugin", "x-user-id", "42", "x-user-email", "viewer@example.com", "x-user-name", "Viewer"}
	begin := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	long := "SELECT '" + strings.Repeat("x", 2*maxAuditSQL) + "'"
	cases := []struct {
		name   string
		ctx    context.Context
		level  slog.Level
		rec    QueryRecord
		want   map[string]any
		absent []string
	}{
		{
			name: "client headers and time range", ctx: WithIdentity(context.Background(), id, client...), level: slog.LevelInfo,
			rec: QueryRecord{SQL: "SELECT 1", Begin: begin, End: begin.Add(time.Hour), Duration: 1500 * time.Millisecond, Rows: 7, Bytes: 4096},
			want: map[string]any{"level": "INFO", "msg": "audit", "subject": "grafana", "email": "g@example.com", "issuer": "api_key",
				"auth": "api_key", "admin": false, "action": "query", "sql": "SELECT 1", "duration_ms": 1500.0, "rows": 7.0, "bytes": 4096.0,
				"begin": "2026-01-02T03:04:05Z", "end": "2026-01-02T04:04:05Z", "x-client-type": "grafana-plugin", "x-user-id": "42",
				"x-user-email": "viewer@example.com", "x-user-name": "Viewer"},
			absent: []string{"error"},
		},
		{
			name: "failed query", ctx: WithIdentity(context.Background(), id), level: slog.LevelInfo,
			rec:    QueryRecord{SQL: "SELECT nope", Duration: 3 * time.Millisecond, Err: errors.New(`column "nope" not found`)},
			want:   map[string]any{"action": "query", "sql": "SELECT nope", "rows": 0.0, "bytes": 0.0, "duration_ms": 3.0, "error": `column "nope" not found`},
			absent: []string{"begin", "end", "x-client-type"},
		},
		{
			name: "long SQL is cut", ctx: WithIdentity(context.Background(), id), level: slog.LevelInfo,
			rec:  QueryRecord{SQL: long},
			want: map[string]any{"sql": long[:maxAuditSQL] + "…"},
		},
		{
			name: "no identity in the context", ctx: context.Background(), level: slog.LevelInfo,
			rec:  QueryRecord{SQL: "SELECT 2"},
			want: map[string]any{"subject": "unknown", "auth": "anonymous"},
		},
		{
			name: "an open server's auditor", ctx: WithIdentity(context.Background(), Anonymous), level: slog.LevelDebug,
			rec:  QueryRecord{SQL: "SELECT 3"},
			want: map[string]any{"level": "DEBUG", "subject": "anonymous", "admin": true, "sql": "SELECT 3"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lines := auditLines(t, c.level, func(a *Auditor) { a.Query(c.ctx, c.rec) })
			if len(lines) != 1 {
				t.Fatalf("%d audit lines, want 1", len(lines))
			}
			for k, v := range c.want {
				if lines[0][k] != v {
					t.Errorf("%s = %#v, want %#v", k, lines[0][k], v)
				}
			}
			for _, k := range c.absent {
				if _, ok := lines[0][k]; ok {
					t.Errorf("the line has %s = %#v, want none", k, lines[0][k])
				}
			}
		})
	}
}

// TestAuditAdminLine checks an admin action's line: its name, details
// and error.
func TestAuditAdminLine(t *testing.T) {
	ctx := WithIdentity(context.Background(), Identity{Subject: "ops", Kind: KindAPIKey, Admin: true}, "x-client-type", "cli")
	lines := auditLines(t, slog.LevelInfo, func(a *Auditor) {
		a.Admin(ctx, "revoke_api_key", errors.New("no such key"), "name", "dashboards")
	})
	want := map[string]any{"level": "INFO", "subject": "ops", "admin": true, "action": "revoke_api_key", "name": "dashboards",
		"error": "no such key", "x-client-type": "cli"}
	if len(lines) != 1 {
		t.Fatalf("%d lines, want 1", len(lines))
	}
	for k, v := range want {
		if lines[0][k] != v {
			t.Errorf("%s = %#v, want %#v", k, lines[0][k], v)
		}
	}
}

// TestMiddlewareKeepsAttribution checks that the HTTP middleware copies
// the attribution headers (and only them, each cut at 256 bytes) into
// the request's context, where the audit line finds them.
func TestMiddlewareKeepsAttribution(t *testing.T) {
	var got []string
	h := Open().Middleware(ScopeQuery)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = clientHeaders(r.Context())
	}))
	req := httptest.NewRequest(http.MethodPost, "/api/query", nil)
	req.Header.Set("X-Client-Type", "grafana-plugin")
	req.Header.Set("X-User-Email", strings.Repeat("e", 300))
	req.Header.Set("X-Other", "not copied")
	h.ServeHTTP(httptest.NewRecorder(), req)
	want := []string{"x-client-type", "grafana-plugin", "x-user-email", strings.Repeat("e", 256)}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("attribution in the context = %q, want %q", got, want)
	}
}
