package clientauth_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/auth"
	"github.com/micromegas-go/micromegas/internal/auth/hydratest"
	"github.com/micromegas-go/micromegas/internal/clientauth"
)

// countingTransport records the paths of the requests it sends.
type countingTransport struct {
	mu    sync.Mutex
	paths []string
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.paths = append(c.paths, r.URL.Path)
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (c *countingTransport) sent() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.paths...)
}

// TestClientCredentialsTokenEndpoint gets service-account tokens from Ory
// Hydra through MICROMEGAS_OIDC_TOKEN_ENDPOINT alone (no issuer, so no
// discovery), with tokens that live 65 s: the first token is fetched
// once and reused, and a new one is fetched before the first expires
// (renewBefore = 1 min ahead of its expiry); the server accepts both.
func TestClientCredentialsTokenEndpoint(t *testing.T) {
	const lifespan = 65 * time.Second
	h := hydratest.Start(t)
	h.CreateClient(t, "exporter", "exporter-secret-0123456789", "micromegas")
	h.SetTokenLifespan(t, "exporter", lifespan)
	t.Setenv(clientauth.EnvOIDCIssuer, "")
	t.Setenv(clientauth.EnvOIDCTokenURL, h.TokenURL)
	t.Setenv(clientauth.EnvOIDCClientID, "exporter")
	t.Setenv(clientauth.EnvOIDCClientSecret, "exporter-secret-0123456789")
	t.Setenv(clientauth.EnvOIDCAudience, "micromegas")
	t.Setenv(clientauth.EnvOIDCScope, "")
	t.Setenv(clientauth.EnvAPIKey, "")
	tr := &countingTransport{}
	env := clientauth.ReadEnv(clientauth.EnvAPIKey)
	env.HTTPClient = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ctx := context.Background()
	src, err := env.Source(ctx)
	if err != nil || src == nil {
		t.Fatalf("source of the token endpoint alone: %v, %v", src, err)
	}
	cfg, err := auth.ParseOIDCConfig(`{"issuers": [{"issuer": "` + h.Issuer + `", "audience": "micromegas"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	server := auth.New(auth.Admins{}, nil, auth.NewOIDC(cfg, nil))
	accepted := func(tok string) {
		t.Helper()
		id, err := server.Authenticate(ctx, func(name string) string {
			if name == "authorization" {
				return "Bearer " + tok
			}
			return ""
		})
		if err != nil || id.Subject != "exporter" {
			t.Fatalf("the server refused the token: %+v, %v", id, err)
		}
	}

	first, err := src.Token()
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	if life := time.Until(first.Expiry); life > lifespan || life < lifespan-15*time.Second {
		t.Fatalf("the token lives %s, want about %s (the client's lifespan)", life, lifespan)
	}
	accepted(first.AccessToken)
	if again, err := src.Token(); err != nil || again.AccessToken != first.AccessToken {
		t.Fatalf("a second call did not reuse the token: %v", err)
	}
	if got := tr.sent(); len(got) != 1 || got[0] != "/oauth2/token" {
		t.Fatalf("requests to the issuer %q, want one to /oauth2/token and no discovery", got)
	}

	// Wait until the token is within a minute of its expiry: the next
	// call fetches a new one while the first is still valid.
	renewAt := first.Expiry.Add(-time.Minute)
	var second string
	for deadline := first.Expiry; time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		tok, err := src.Token()
		if err != nil {
			t.Fatalf("token: %v", err)
		}
		if tok.AccessToken != first.AccessToken {
			if time.Now().Before(renewAt) {
				t.Fatalf("renewed at %s, before the minute ahead of its expiry (%s)", time.Now().Format(time.RFC3339Nano), renewAt.Format(time.RFC3339Nano))
			}
			second = tok.AccessToken
			break
		}
	}
	if second == "" {
		t.Fatal("the token was not renewed before its expiry")
	}
	if !time.Now().Before(first.Expiry) {
		t.Fatal("renewed only after the first token expired")
	}
	accepted(second)
	if got := tr.sent(); len(got) != 2 || got[1] != "/oauth2/token" {
		t.Fatalf("requests to the issuer %q, want exactly two token requests", got)
	}
}
