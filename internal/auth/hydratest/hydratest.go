// Package hydratest runs Ory Hydra v2.3.0 for tests: an OAuth2 server
// issuing JWT access tokens to service accounts (client credentials),
// with an in-memory database, on 127.0.0.1 and free ports. The binary is
// built once by scripts/hydra.sh into the CI cache; a test that cannot
// find it fails and says how to build it.
package hydratest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Server is a running Hydra.
type Server struct {
	// Issuer is "http://127.0.0.1:PUBLIC/", as the tokens' iss claim.
	Issuer string
	// TokenURL is the token endpoint.
	TokenURL string
	// Admin is the base URL of Hydra's admin API.
	Admin string
}

// Binary returns the path of the hydra binary: MICROMEGAS_HYDRA_BIN, or
// bin/hydra in the CI cache (MICROMEGAS_CI_CACHE, default
// ~/.cache/micromegas-ci).
func Binary() (string, error) {
	if p := os.Getenv("MICROMEGAS_HYDRA_BIN"); p != "" {
		return p, nil
	}
	cache := os.Getenv("MICROMEGAS_CI_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		cache = filepath.Join(home, ".cache", "micromegas-ci")
	}
	return filepath.Join(cache, "bin", "hydra"), nil
}

// Start runs Hydra until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, nil)
}

// start runs Hydra with extra environment variables.
func start(t testing.TB, env []string) *Server {
	t.Helper()
	bin, err := Binary()
	if err == nil {
		_, err = os.Stat(bin)
	}
	if err != nil {
		t.Fatalf("hydratest: the hydra binary is missing (%v): build it with\n\tscripts/hydra.sh build   # from the repository root; 5-15 minutes, once\nor set MICROMEGAS_HYDRA_BIN to a hydra v2.3.0 binary", err)
	}
	public, admin := freePort(t), freePort(t)
	issuer := fmt.Sprintf("http://127.0.0.1:%d/", public)
	cmd := exec.Command(bin, "serve", "all", "--dev")
	cmd.Env = append(os.Environ(),
		"DSN=memory",
		"SECRETS_SYSTEM=micromegas-hydratest-secret-0123456789",
		"STRATEGIES_ACCESS_TOKEN=jwt",
		"SERVE_PUBLIC_HOST=127.0.0.1", "SERVE_ADMIN_HOST=127.0.0.1",
		"SERVE_PUBLIC_PORT="+strconv.Itoa(public), "SERVE_ADMIN_PORT="+strconv.Itoa(admin),
		"URLS_SELF_ISSUER="+issuer,
		"LOG_LEVEL=warn",
	)
	cmd.Env = append(cmd.Env, env...)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("hydratest: start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	s := &Server{Issuer: issuer, TokenURL: issuer + "oauth2/token", Admin: fmt.Sprintf("http://127.0.0.1:%d", admin)}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get(s.Admin + "/health/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-exited:
			t.Fatalf("hydratest: hydra exited:\n%s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("hydratest: hydra not ready after 60 s:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Make the signing keys now (RSA generation takes seconds on a busy
	// machine) rather than in the first token request.
	if resp, err := http.Get(issuer + ".well-known/jwks.json"); err == nil {
		resp.Body.Close()
	}
	return s
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// CreateClient registers a service account allowed the client
// credentials grant for the audiences.
func (s *Server) CreateClient(t testing.TB, id, secret string, audience ...string) {
	t.Helper()
	s.adminCall(t, http.MethodPost, "/admin/clients", map[string]any{
		"client_id": id, "client_secret": secret, "grant_types": []string{"client_credentials"},
		"audience": audience, "token_endpoint_auth_method": "client_secret_basic",
		"access_token_strategy": "jwt",
	})
}

// SetTokenLifespan makes the access tokens Hydra issues to the client id
// with the client credentials grant last d (Hydra's default is an hour).
func (s *Server) SetTokenLifespan(t testing.TB, id string, d time.Duration) {
	t.Helper()
	s.adminCall(t, http.MethodPut, "/admin/clients/"+id+"/lifespans",
		map[string]any{"client_credentials_grant_access_token_lifespan": d.String()})
}

// RotateKey adds a new signing key (alg "RS256" or "ES256") to the set of
// JWT access tokens; Hydra signs the next tokens with it.
func (s *Server) RotateKey(t testing.TB, kid, alg string) {
	t.Helper()
	s.adminCall(t, http.MethodPost, "/admin/keys/hydra.jwt.access-token", map[string]any{"alg": alg, "use": "sig", "kid": kid})
}

func (s *Server) adminCall(t testing.TB, method, path string, body any) {
	t.Helper()
	b, _ := json.Marshal(body)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, s.Admin+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("hydratest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("hydratest: %s %s: %s %s", method, path, resp.Status, msg)
	}
}

// syncBuffer collects hydra's output for error messages.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 1<<20 {
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
