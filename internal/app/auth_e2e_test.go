package app

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/micromegas-go/micromegas/client"
	"github.com/micromegas-go/micromegas/internal/auth/hydratest"
	"github.com/micromegas-go/micromegas/internal/auth/oidctest"
	"github.com/micromegas-go/micromegas/internal/catalog/postgres/pgtest"
	"github.com/micromegas-go/micromegas/internal/clientauth"
	"github.com/micromegas-go/micromegas/telemetry"
)

// TestListenRules checks the safe defaults: without authentication a
// server on loopback addresses runs open and says so, one listening
// beyond the machine refuses to start naming what to set, and
// --disable-auth lets it start.
func TestListenRules(t *testing.T) {
	_, logs := startAuthApp(t, AuthConfig{})
	if n := strings.Count(logs.String(), "authentication is off"); n != 1 {
		t.Errorf("open loopback server: %d lines saying authentication is off, want 1:\n%s", n, logs.String())
	}
	cfg := Config{DataDir: t.TempDir(), IngestionAddr: "127.0.0.1:0", FlightSQLAddr: "0.0.0.0:0", WebAddr: "127.0.0.1:0", OTLPGRPCAddr: "127.0.0.1:0"}
	_, err := Start(context.Background(), cfg)
	if !errors.Is(err, errNoAuth) {
		t.Fatalf("public address without auth: %v, want a refusal", err)
	}
	for _, want := range []string{"flightsql on 0.0.0.0:0", "MICROMEGAS_API_KEYS", "MICROMEGAS_OIDC_CONFIG", "--disable-auth"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not say %q", err, want)
		}
	}
	cfg.Auth.Disabled = true
	a := startWith(t, cfg)
	if code, _ := httpCall(t, "POST", "http://"+a.WebAddr().String()+"/api/query", "", []byte(`{"sql": "SELECT 1"}`)); code != http.StatusOK {
		t.Errorf("--disable-auth: query answered %d, want 200", code)
	}

	// Bootstrap: a key minted on the open local server configures
	// authentication by itself once the server listens beyond the machine.
	dataDir := t.TempDir()
	local, err := Start(context.Background(), Config{DataDir: dataDir, IngestionAddr: "127.0.0.1:0", FlightSQLAddr: "127.0.0.1:0", OTLPGRPCAddr: "127.0.0.1:0", WebAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	minted, err := dialWith(t, local, "").CreateAPIKey(context.Background(), client.KeyRequest{Name: "first-admin", Scope: "admin"})
	if err != nil {
		t.Fatalf("minting on the open local server: %v", err)
	}
	if err := local.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	public := startWith(t, Config{DataDir: dataDir, IngestionAddr: "127.0.0.1:0", FlightSQLAddr: "0.0.0.0:0", WebAddr: "127.0.0.1:0", OTLPGRPCAddr: "127.0.0.1:0"})
	if err := queryErr(dialWith(t, public, ""), "SELECT 1"); status.Code(err) != codes.Unauthenticated {
		t.Errorf("public server with a minted key, no token: %v, want Unauthenticated", err)
	}
	if err := queryErr(dialWith(t, public, minted.Key), "SELECT 1"); err != nil {
		t.Errorf("public server with the minted key: %v", err)
	}
	for _, addr := range []string{"127.0.0.1:9000", "[::1]:9000", "localhost:9000", "127.0.0.2:1"} {
		if !isLoopback(addr) {
			t.Errorf("%s is a loopback address", addr)
		}
	}
	for _, addr := range []string{":9000", "0.0.0.0:9000", "[::]:9000", "10.0.0.1:9000", "example.com:9000"} {
		if isLoopback(addr) {
			t.Errorf("%s is not a loopback address", addr)
		}
	}
}

// TestRevokedKeyRefusedByEveryServer runs two servers on one PostgreSQL
// catalog: a key minted on the first works on the second, and once
// revoked on the first, the second refuses it within 10 seconds.
func TestRevokedKeyRefusedByEveryServer(t *testing.T) {
	conn := pgtest.NewDatabase(t)
	start := func() *App {
		cfg := Config{DataDir: t.TempDir(), SQLConnectionString: conn, IngestionAddr: "127.0.0.1:0", FlightSQLAddr: "127.0.0.1:0", OTLPGRPCAddr: "127.0.0.1:0",
			WebAddr: "127.0.0.1:0", Auth: AuthConfig{APIKeys: testKeys}}
		return startWith(t, cfg)
	}
	a, b := start(), start()
	ctx := context.Background()
	minted, err := dialWith(t, a, adminKey).CreateAPIKey(ctx, client.KeyRequest{Name: "shared", Scope: "query"})
	if err != nil {
		t.Fatal(err)
	}
	onB := dialWith(t, b, minted.Key)
	deadline := time.Now().Add(10 * time.Second)
	for queryErr(onB, "SELECT 1") != nil {
		if time.Now().After(deadline) {
			t.Fatalf("the second server does not accept the minted key after 10 s: %v", queryErr(onB, "SELECT 1"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, err := dialWith(t, a, adminKey).RevokeAPIKey(ctx, "shared"); err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	for {
		err := queryErr(onB, "SELECT 1")
		if status.Code(err) == codes.Unauthenticated {
			t.Logf("refused by the other server %v after the revocation", time.Since(revoked).Round(time.Millisecond))
			break
		}
		if time.Since(revoked) > 10*time.Second {
			t.Fatalf("the other server still accepts the revoked key after 10 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestOIDCLoginEndToEnd logs in to the zitadel example OP with the
// authorization code flow and PKCE (its login form filled by an HTTP
// client), stores the tokens, and queries FlightSQL and the HTTP API
// with the id_token; MICROMEGAS_ADMINS makes the user an admin.
func TestOIDCLoginEndToEnd(t *testing.T) {
	p := oidctest.Start(t)
	a, logs := startAuthApp(t, AuthConfig{
		OIDCConfig: `{"issuers": [{"issuer": "` + p.Issuer + `", "audience": "` + oidctest.ClientID + `"}]}`,
		Admins:     oidctest.Subject, // the example OP's id_tokens carry no email
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tokens, err := clientauth.Login(ctx, clientauth.LoginOptions{
		Issuer: p.Issuer, ClientID: oidctest.ClientID, RedirectURL: "http://127.0.0.1:0/callback", OpenURL: p.Browser(t),
	})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if tokens.RefreshToken == "" || time.Until(tokens.Expiry) < 10*time.Minute {
		t.Errorf("tokens: refresh token %v, expiry %v", tokens.RefreshToken != "", tokens.Expiry)
	}
	file := t.TempDir() + "/home/.micromegas/tokens.json"
	if err := tokens.Save(file); err != nil {
		t.Fatal(err)
	}
	src, err := clientauth.Env{TokenFile: file, UseTokenFile: true}.Source(ctx)
	if err != nil || src == nil {
		t.Fatalf("token file source: %v", err)
	}
	cl, err := client.Dial(ctx, "grpc://"+a.FlightSQLAddr().String(), client.WithTokenSource(src))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	id, err := cl.WhoAmI(ctx)
	if err != nil || id.Subject != oidctest.Subject || id.Issuer != p.Issuer || id.Kind != "oidc" || !id.Admin {
		t.Fatalf("whoami over FlightSQL with the id_token: %+v, %v", id, err)
	}
	if err := queryErr(cl, "SELECT * FROM retire_partitions('log_entries', 'global', now() - INTERVAL 1 HOUR, now())"); err != nil {
		t.Errorf("admin by MICROMEGAS_ADMINS retiring partitions: %v", err)
	}
	code, body := httpCall(t, "POST", "http://"+a.WebAddr().String()+"/api/query", tokens.IDToken, []byte(`{"sql": "SELECT 42 AS answer"}`))
	if code != http.StatusOK || !strings.Contains(body, "42") {
		t.Errorf("HTTP API with the id_token: %d %s", code, body)
	}
	if !strings.Contains(logs.String(), "subject="+oidctest.Subject+` email="" issuer=`+p.Issuer+" auth=oidc admin=true action=query") {
		t.Errorf("no audit line with the person's identity")
	}

	// Tokens expiring within 5 minutes are refreshed with the refresh
	// token, written back to the file, and the new id_token is accepted.
	tokens.Expiry = time.Now().Add(time.Minute)
	if err := tokens.Save(file); err != nil {
		t.Fatal(err)
	}
	src, err = clientauth.Env{TokenFile: file, UseTokenFile: true}.Source(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := src.Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	saved, err := clientauth.LoadTokens(file)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == tokens.IDToken || saved.IDToken != tok.AccessToken || time.Until(saved.Expiry) < 10*time.Minute {
		t.Fatalf("refresh did not give and store a new id_token")
	}
	if code, body := httpCall(t, "POST", "http://"+a.WebAddr().String()+"/api/query", tok.AccessToken, []byte(`{"sql": "SELECT 1"}`)); code != http.StatusOK {
		t.Errorf("refreshed id_token: %d %s", code, body)
	}
}

// TestServiceAccountEndToEnd has a service account of Ory Hydra send
// telemetry through the sink (client credentials from the environment)
// and read it back through the client, while Hydra rotates its signing
// key; then a sink with a wrong secret is counted unauthorized.
func TestServiceAccountEndToEnd(t *testing.T) {
	h := hydratest.Start(t)
	h.CreateClient(t, "svc-telemetry", "svc-telemetry-secret-0123", "micromegas")
	a, _ := startAuthApp(t, AuthConfig{OIDCConfig: `{"issuers": [{"issuer": "` + h.Issuer + `", "audience": "micromegas"}]}`})
	t.Setenv(clientauth.EnvOIDCIssuer, h.Issuer)
	t.Setenv(clientauth.EnvOIDCClientID, "svc-telemetry")
	t.Setenv(clientauth.EnvOIDCClientSecret, "svc-telemetry-secret-0123")
	t.Setenv(clientauth.EnvOIDCAudience, "micromegas")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	send := func(n int) telemetry.Stats {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		guard, err := telemetry.Init(telemetry.Config{URL: "http://" + a.IngestionAddr().String(), LogBufferSize: 1024})
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			telemetry.Logf(telemetry.LevelInfo, "svc/e2e", "line %d", i)
		}
		if err := guard.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		return guard.Stats()
	}
	if st := send(50); st.Sink.Failed != 0 || st.Sink.Sent < 3 {
		t.Fatalf("sink with client credentials: %+v", st.Sink)
	}
	src, err := clientauth.ReadEnv(clientauth.EnvAPIKey).Source(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := client.Dial(ctx, "grpc://"+a.FlightSQLAddr().String(), client.WithTokenSource(src))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	count := func() int64 {
		t.Helper()
		_, recs, err := cl.QueryAll(ctx, "SELECT count(*) FROM log_entries WHERE target = 'svc/e2e'", client.TimeRange{})
		if err != nil {
			t.Fatalf("client with client credentials: %v", err)
		}
		defer recs[0].Release()
		return firstInt(t, recs[0].Column(0).ValueStr(0))
	}
	if n := count(); n != 50 {
		t.Fatalf("read back %d lines, want 50", n)
	}

	// Key rotation while the server runs: new tokens, signed with the new
	// key, are accepted.
	h.RotateKey(t, "rotated-while-running", "ES256")
	if st := send(30); st.Sink.Failed != 0 {
		t.Fatalf("sink after key rotation: %+v", st.Sink)
	}
	if n := count(); n != 80 {
		t.Fatalf("after rotation, read back %d lines, want 80", n)
	}

	// A wrong secret: Hydra refuses to issue a token, nothing is sent.
	t.Setenv(clientauth.EnvOIDCClientSecret, "wrong")
	if st := send(5); st.Sink.Sent != 0 || st.Sink.Failed == 0 {
		t.Errorf("sink with a wrong secret: %+v", st.Sink)
	}
	// A key the server does not know: 401, counted, not retried.
	t.Setenv(clientauth.EnvOIDCClientID, "")
	t.Setenv(clientauth.EnvOIDCClientSecret, "")
	t.Setenv(telemetry.EnvIngestionAPIKey, "unknown-key-0123456789")
	st := send(5)
	if st.Sink.Unauthorized == 0 || st.Sink.Sent != 0 || st.Sink.Retries != 0 {
		t.Errorf("sink with an unknown key: %+v, want unauthorized, nothing sent, no retry", st.Sink)
	}
	if err := queryErr(dialWith(t, a, "unknown-key-0123456789"), "SELECT 1"); status.Code(err) != codes.Unauthenticated {
		t.Errorf("client with an unknown key: %v", err)
	}
}
