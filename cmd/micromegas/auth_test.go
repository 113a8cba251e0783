package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/auth/oidctest"
)

const cliAdminKey = "cli-admin-key-0123456789"

// TestKeysAndWhoAmI runs serve with an admin key in MICROMEGAS_API_KEYS
// and uses the CLI as an admin would: mint a key (printed once), use it
// with --api-key and MICROMEGAS_API_KEY, list, revoke; a non-admin cannot
// mint.
func TestKeysAndWhoAmI(t *testing.T) {
	t.Setenv("MICROMEGAS_API_KEYS", `[{"name": "root", "key": "`+cliAdminKey+`", "scope": "admin"}]`)
	t.Setenv("MICROMEGAS_API_KEY", "")
	t.Setenv("HOME", t.TempDir()) // no token file of a real login
	_, flightsql := serveForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cli := func(args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, append(args, "--analytics-url", flightsql), &out, &errb)
		return out.String(), errb.String(), err
	}
	if _, _, err := cli("query", "SELECT 1"); err == nil || !strings.Contains(err.Error(), "Unauthenticated") {
		t.Fatalf("query without credentials: %v", err)
	}
	out, _, err := cli("whoami", "--api-key", cliAdminKey)
	if err != nil || !strings.Contains(out, "subject: root") || !strings.Contains(out, "admin:   true") {
		t.Fatalf("whoami: %q, %v", out, err)
	}
	key, msg, err := cli("keys", "create", "reader", "--scope", "query", "--expires", "30d", "--api-key", cliAdminKey)
	key = strings.TrimSpace(key)
	if err != nil || !strings.HasPrefix(key, "mmk_") || !strings.Contains(msg, "shown once") {
		t.Fatalf("keys create: %q %q %v", key, msg, err)
	}
	t.Setenv("MICROMEGAS_API_KEY", key)
	if out, _, err := cli("query", "--format", "csv", "SELECT 40 + 2 AS answer"); err != nil || !strings.Contains(out, "42") {
		t.Fatalf("query with MICROMEGAS_API_KEY: %q %v", out, err)
	}
	if _, _, err := cli("keys", "create", "escalate", "--scope", "admin"); err == nil || !strings.Contains(err.Error(), "PermissionDenied") {
		t.Fatalf("a query key minting: %v", err)
	}
	t.Setenv("MICROMEGAS_API_KEY", "")
	out, _, err = cli("keys", "list", "--api-key", cliAdminKey)
	if err != nil || !regexp.MustCompile(`(?m)^reader\s+query\s+root\s`).MatchString(out) {
		t.Fatalf("keys list: %q %v", out, err)
	}
	if out, _, err := cli("keys", "revoke", "reader", "--api-key", cliAdminKey); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("keys revoke: %q %v", out, err)
	}
	if _, _, err := cli("query", "SELECT 1", "--api-key", key); err == nil || !strings.Contains(err.Error(), "Unauthenticated") {
		t.Fatalf("query with the revoked key: %v", err)
	}
	if _, _, err := cli("keys", "create", "x", "--api-key", cliAdminKey); err == nil || !strings.Contains(err.Error(), "--scope is required") {
		t.Fatalf("keys create without a scope: %v", err)
	}
}

// lineWriter collects stderr and hands over the first URL it sees.
type lineWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
	url chan string
}

var urlLine = regexp.MustCompile(`(?m)^\s+(http://\S+)$`)

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if m := urlLine.FindStringSubmatch(w.buf.String()); m != nil && w.url != nil {
		w.url <- m[1]
		w.url = nil
	}
	return len(p), nil
}

// TestLoginWhoAmILogout runs micromegas login against the zitadel example
// OP (the browser played by an HTTP client from the printed URL), then
// whoami with the stored tokens, then logout.
func TestLoginWhoAmILogout(t *testing.T) {
	p := oidctest.Start(t)
	t.Setenv("MICROMEGAS_OIDC_CONFIG", `{"issuers": [{"issuer": "`+p.Issuer+`", "audience": "`+oidctest.ClientID+`"}]}`)
	t.Setenv("MICROMEGAS_API_KEYS", "")
	t.Setenv("MICROMEGAS_API_KEY", "")
	home := t.TempDir()
	t.Setenv("HOME", home)
	_, flightsql := serveForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	urls := make(chan string, 1)
	stderr := &lineWriter{url: urls}
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() {
		done <- run(ctx, []string{"login", "--issuer", p.Issuer, "--client-id", oidctest.ClientID,
			"--redirect-url", "http://127.0.0.1:0/callback", "--no-browser"}, &out, stderr)
	}()
	select {
	case url := <-urls:
		if err := p.Browser(t)(url); err != nil {
			t.Fatal(err)
		}
	case err := <-done:
		t.Fatalf("login ended before printing a URL: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("login: %v", err)
	}
	path := filepath.Join(home, ".micromegas", "tokens.json")
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, mode %v; want 0600", err, fi.Mode())
	}
	if di, err := os.Stat(filepath.Dir(path)); err != nil || di.Mode().Perm() != 0o700 {
		t.Fatalf("token folder mode %v, %v; want 0700", di.Mode(), err)
	}
	var who bytes.Buffer
	if err := run(ctx, []string{"whoami", "--analytics-url", flightsql}, &who, &bytes.Buffer{}); err != nil {
		t.Fatalf("whoami with the tokens of login: %v", err)
	}
	if !strings.Contains(who.String(), "subject: "+oidctest.Subject) || !strings.Contains(who.String(), "kind:    oidc") {
		t.Errorf("whoami: %s", who.String())
	}
	var lo bytes.Buffer
	if err := run(ctx, []string{"logout"}, &lo, &bytes.Buffer{}); err != nil || !strings.Contains(lo.String(), "logged out") {
		t.Fatalf("logout: %q %v", lo.String(), err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("token file still there after logout: %v", err)
	}
	if err := run(ctx, []string{"whoami", "--analytics-url", flightsql}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "Unauthenticated") {
		t.Fatalf("whoami after logout: %v", err)
	}
}
