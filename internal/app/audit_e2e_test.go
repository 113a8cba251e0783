package app

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"
)

// auditLineWith returns the first audit line of logs that holds marker.
func auditLineWith(logs *logBuffer, marker string) string {
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "msg=audit") && strings.Contains(line, marker) {
			return line
		}
	}
	return ""
}

// TestAuditAttribution sends queries with the attribution headers of a
// client acting for its users (the Grafana plugin) over FlightSQL and the
// HTTP API, and a failing query: their audit lines carry the headers,
// rows, bytes and duration, and the failure's error.
func TestAuditAttribution(t *testing.T) {
	a, logs := startAuthApp(t, AuthConfig{APIKeys: testKeys})
	cl := newFlightClient(t, a.FlightSQLAddr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	fctx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+queryKey,
		"x-client-type", "grafana-plugin", "x-user-email", "viewer@example.com", "x-user-name", "Viewer", "x-forwarded-for", "10.0.0.1")
	queryReader(fctx, t, cl, "SELECT 'flight_marker' AS m, range AS i FROM range(3)")

	if code := postQuery(t, a, `{"sql": "SELECT 'http_marker' AS m"}`, "X-Client-Type", "web", "X-User-Id", "u-17"); code != http.StatusOK {
		t.Fatalf("/api/query: %d", code)
	}
	if code := postQuery(t, a, `{"sql": "SELECT failing_marker FROM no_such_table"}`, "X-Client-Type", "grafana-plugin"); code == http.StatusOK {
		t.Fatal("a query of a missing table succeeded")
	}

	// The lines are written when the results are released: wait for them.
	deadline := time.Now().Add(10 * time.Second)
	for (auditLineWith(logs, "flight_marker") == "" || auditLineWith(logs, "http_marker") == "" ||
		auditLineWith(logs, "failing_marker") == "") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cases := []struct {
		marker string
		want   []string
		absent []string
	}{
		{"flight_marker", []string{"subject=grafana", "action=query", "rows=3", "x-client-type=grafana-plugin",
			"x-user-email=viewer@example.com", "x-user-name=Viewer", "duration_ms="}, []string{"error=", "x-forwarded-for", "bytes=0 "}},
		{"http_marker", []string{"subject=grafana", "rows=1", "x-client-type=web", "x-user-id=u-17"}, []string{"error=", "x-user-email"}},
		{"failing_marker", []string{"subject=grafana", "rows=0", "x-client-type=grafana-plugin", "error="}, []string{"x-user-email"}},
	}
	for _, c := range cases {
		line := auditLineWith(logs, c.marker)
		if line == "" {
			t.Errorf("no audit line of the query %s", c.marker)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(line, w) {
				t.Errorf("the audit line of %s lacks %q: %s", c.marker, w, line)
			}
		}
		for _, w := range c.absent {
			if strings.Contains(line, w) {
				t.Errorf("the audit line of %s has %q: %s", c.marker, w, line)
			}
		}
	}
}

// postQuery posts body to /api/query with the query key and the headers
// (name/value pairs) and returns the status.
func postQuery(t *testing.T, a *App, body string, headers ...string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+a.WebAddr().String()+"/api/query", bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+queryKey)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}
