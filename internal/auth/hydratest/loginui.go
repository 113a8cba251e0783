package hydratest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"
)

// LoginServer is a running Hydra with a login and consent UI: the
// authorization-code flow of people. The UI signs in the user set with
// SetUser without asking anything (it accepts Hydra's login and consent
// requests through the admin API, granting every scope asked for), so a
// browser or an HTTP client following redirects goes through the whole
// flow.
type LoginServer struct {
	*Server

	mu      sync.Mutex
	subject string
	email   string
	logins  int
}

// StartWithLogin runs Hydra and its login UI until the test ends; the
// user is "user-1" <user-1@example.com> until SetUser changes it.
func StartWithLogin(t testing.TB) *LoginServer {
	t.Helper()
	ls := &LoginServer{subject: "user-1", email: "user-1@example.com"}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("hydratest: listen for the login UI: %v", err)
	}
	ui := "http://" + lis.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", ls.login)
	mux.HandleFunc("GET /consent", ls.consent)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(lis)
	t.Cleanup(func() { srv.Close() })
	ls.Server = start(t, []string{"URLS_LOGIN=" + ui + "/login", "URLS_CONSENT=" + ui + "/consent"})
	return ls
}

// SetUser sets who the next sign-ins are.
func (ls *LoginServer) SetUser(subject, email string) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.subject, ls.email = subject, email
}

// Logins returns how many logins the UI accepted.
func (ls *LoginServer) Logins() int {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.logins
}

// CreateWebClient registers a confidential client of the
// authorization-code flow (a web server signing people in) with its
// redirect URIs.
func (s *Server) CreateWebClient(t testing.TB, id, secret string, redirectURIs ...string) {
	t.Helper()
	s.adminCall(t, http.MethodPost, "/admin/clients", map[string]any{
		"client_id": id, "client_secret": secret, "grant_types": []string{"authorization_code", "refresh_token"},
		"response_types": []string{"code"}, "redirect_uris": redirectURIs, "scope": "openid email profile offline_access",
		"token_endpoint_auth_method": "client_secret_basic",
	})
}

// login accepts a login request as the current user.
func (ls *LoginServer) login(w http.ResponseWriter, r *http.Request) {
	ls.mu.Lock()
	sub := ls.subject
	ls.logins++
	ls.mu.Unlock()
	ls.accept(w, r, "login", r.URL.Query().Get("login_challenge"), map[string]any{"subject": sub})
}

// consent grants what the client asked for, with the user's email in
// the id_token.
func (ls *LoginServer) consent(w http.ResponseWriter, r *http.Request) {
	challenge := r.URL.Query().Get("consent_challenge")
	var req struct {
		Scopes    []string `json:"requested_scope"`
		Audiences []string `json:"requested_access_token_audience"`
	}
	if err := ls.call(r.Context(), http.MethodGet, "/admin/oauth2/auth/requests/consent?consent_challenge="+url.QueryEscape(challenge), nil, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	ls.mu.Lock()
	email := ls.email
	ls.mu.Unlock()
	ls.accept(w, r, "consent", challenge, map[string]any{
		"grant_scope": req.Scopes, "grant_access_token_audience": req.Audiences,
		"session": map[string]any{"id_token": map[string]any{"email": email}},
	})
}

// accept accepts a login or consent challenge and sends the browser on.
func (ls *LoginServer) accept(w http.ResponseWriter, r *http.Request, kind, challenge string, body any) {
	var res struct {
		RedirectTo string `json:"redirect_to"`
	}
	path := fmt.Sprintf("/admin/oauth2/auth/requests/%s/accept?%s_challenge=%s", kind, kind, url.QueryEscape(challenge))
	if err := ls.call(r.Context(), http.MethodPut, path, body, &res); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	http.Redirect(w, r, res.RedirectTo, http.StatusFound)
}

// call calls the admin API and decodes its JSON answer into out.
func (ls *LoginServer) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, ls.Admin+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("hydratest login UI: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("hydratest login UI: %s %s: %s %s", method, path, resp.Status, b)
	}
	return json.Unmarshal(b, out)
}
