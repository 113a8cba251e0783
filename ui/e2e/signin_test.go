package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/auth/hydratest"
)

// TestBrowserSignIn signs a person in to the web UI in Chromium through
// Ory Hydra (its login and consent answered by hydratest's login UI):
// `micromegas serve` with authentication on refuses the page, the
// sign-in link goes through Hydra and back to the processes page, which
// shows hello's process and the person's email; signing out ends the
// session. signin.mjs holds the browser steps.
func TestBrowserSignIn(t *testing.T) {
	node := requireTools(t)
	const (
		clientID = "micromegas-web"
		secret   = "web-secret-0123456789abcdef"
		email    = "person@example.com"
		ingest   = "hello-ingest-key-0123456789"
	)
	h := hydratest.StartWithLogin(t)
	h.SetUser("person-1", email)
	bin := buildPrograms(t, "./cmd/micromegas", "./examples/hello")
	// The builds above take minutes on a busy machine: the steps' time
	// starts after them.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	ingestURL, web := serve(t, bin["micromegas"],
		`MICROMEGAS_OIDC_CONFIG={"issuers": [{"issuer": "`+h.Issuer+`", "audience": "`+clientID+`"}]}`,
		`MICROMEGAS_API_KEYS=[{"name": "hello", "key": "`+ingest+`", "scope": "ingest"}]`,
		"MICROMEGAS_WEB_OIDC_CLIENT_ID="+clientID, "MICROMEGAS_WEB_OIDC_CLIENT_SECRET="+secret)
	base := strings.TrimSuffix(web, "/")
	h.CreateWebClient(t, clientID, secret, base+"/auth/callback")
	hello := runHello(t, ctx, bin["hello"], ingestURL, "MICROMEGAS_INGESTION_API_KEY="+ingest)

	cfg := map[string]any{"base": base, "chromium": chromiumPath, "profile": t.TempDir(), "downloads": t.TempDir(),
		"email": email, "hello": hello, "issuer": h.Issuer}
	runSteps(t, ctx, node, "signin.mjs", cfg)
	if h.Logins() == 0 {
		t.Error("Hydra's login UI was never reached")
	}
}
