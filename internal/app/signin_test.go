package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/auth/hydratest"
	"github.com/micromegas-go/micromegas/internal/websession"
)

const (
	webClientID     = "micromegas-web"
	webClientSecret = "web-secret-0123456789abcdef"
)

// TestWebSignInConfig: a half-configured web sign-in stops the server
// with a message naming what to set.
func TestWebSignInConfig(t *testing.T) {
	one := `{"issuers": [{"issuer": "https://a.example/", "audience": ["cli", "` + webClientID + `"]}]}`
	two := `{"issuers": [{"issuer": "https://a.example/", "audience": "` + webClientID + `"}, {"issuer": "https://b.example/", "audience": "` + webClientID + `"}]}`
	for _, c := range []struct {
		name string
		ac   AuthConfig
		want string
	}{
		{"client id without secret", AuthConfig{OIDCConfig: one, WebClientID: webClientID}, "MICROMEGAS_WEB_OIDC_CLIENT_SECRET"},
		{"secret without client id", AuthConfig{OIDCConfig: one, WebClientSecret: "s"}, "MICROMEGAS_WEB_OIDC_CLIENT_ID"},
		{"no issuer", AuthConfig{WebClientID: webClientID, WebClientSecret: "s"}, "MICROMEGAS_OIDC_CONFIG"},
		{"auth disabled", AuthConfig{Disabled: true, OIDCConfig: one, WebClientID: webClientID, WebClientSecret: "s"}, "--disable-auth"},
		{"client id not an audience", AuthConfig{OIDCConfig: one, WebClientID: "other", WebClientSecret: "s"}, `add the client id "other" to the audience`},
		{"several issuers", AuthConfig{OIDCConfig: two, WebClientID: webClientID, WebClientSecret: "s"}, "MICROMEGAS_WEB_OIDC_ISSUER"},
		{"unknown issuer", AuthConfig{OIDCConfig: two, WebClientID: webClientID, WebClientSecret: "s", WebIssuer: "https://c.example/"}, "not an issuer of MICROMEGAS_OIDC_CONFIG"},
		{"bad session key", AuthConfig{OIDCConfig: one, WebClientID: webClientID, WebClientSecret: "s", WebSessionKey: "c2hvcnQ="}, "MICROMEGAS_WEB_SESSION_KEY"},
		{"bad TTL", AuthConfig{OIDCConfig: one, WebClientID: webClientID, WebClientSecret: "s", WebSessionTTL: -1}, "MICROMEGAS_WEB_SESSION_TTL"},
		{"base URL with a path", AuthConfig{OIDCConfig: one, WebClientID: webClientID, WebClientSecret: "s", WebBaseURL: "https://m.example/ui"}, "no path"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := Config{DataDir: t.TempDir(), IngestionAddr: "127.0.0.1:0", FlightSQLAddr: "127.0.0.1:0", OTLPGRPCAddr: "127.0.0.1:0", WebAddr: "127.0.0.1:0", Auth: c.ac}
			a, err := Start(context.Background(), cfg)
			if err == nil {
				a.Shutdown(context.Background())
				t.Fatal("started")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
	// Picking one issuer of two starts.
	startAuthApp(t, AuthConfig{OIDCConfig: two, WebClientID: webClientID, WebClientSecret: "s", WebIssuer: "https://b.example/"})
}

// TestWebSignInEndToEnd signs people in to a server through Ory Hydra:
// the session reaches /api/query as the person, a non-admin is refused
// an admin function and an admin (MICROMEGAS_ADMINS) is not, both leave
// the audit lines of a bearer token of the same identity, /auth/me
// answers who is signed in, and a request without a session gets a 401
// pointing at /auth/login.
func TestWebSignInEndToEnd(t *testing.T) {
	h := hydratest.StartWithLogin(t)
	a, logs := startAuthApp(t, AuthConfig{
		OIDCConfig:  `{"issuers": [{"issuer": "` + h.Issuer + `", "audience": "` + webClientID + `"}]}`,
		Admins:      "boss@example.com",
		WebClientID: webClientID, WebClientSecret: webClientSecret,
		WebSessionKey: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	})
	base := "http://" + a.WebAddr().String()
	h.CreateWebClient(t, webClientID, webClientSecret, base+websession.CallbackPath)

	for _, path := range []string{"/api/query", "/auth/me"} {
		method := map[string]string{"/api/query": "POST", "/auth/me": "GET"}[path]
		code, body := httpCall(t, method, base+path, "", []byte(`{"sql": "SELECT 1"}`))
		var refusal struct {
			Error    string `json:"error"`
			LoginURL string `json:"login_url"`
		}
		if code != 401 || json.Unmarshal([]byte(body), &refusal) != nil || refusal.LoginURL != "/auth/login" || refusal.Error == "" {
			t.Errorf("%s without a session: %d %s, want 401 with login_url /auth/login", path, code, body)
		}
	}

	signIn := func(sub, email string) *http.Client {
		t.Helper()
		h.SetUser(sub, email)
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: time.Minute}
		resp, err := c.Get(base + "/auth/login?return=" + "/processes")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Request.URL.Path != "/processes" {
			t.Fatalf("sign in as %s: %d at %s", email, resp.StatusCode, resp.Request.URL)
		}
		return c
	}
	call := func(c *http.Client, method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	retire := `{"sql": "SELECT * FROM retire_partitions('log_entries', 'global', now() - INTERVAL 1 HOUR, now())"}`

	person := signIn("person-1", "person@example.com")
	if code, body := call(person, "POST", "/api/query", `{"sql": "SELECT 42 AS answer"}`); code != 200 || !strings.Contains(body, "42") {
		t.Errorf("query with the session: %d %s", code, body)
	}
	if code, body := call(person, "POST", "/api/query", retire); code != 400 || !strings.Contains(body, "reserved to admins") {
		t.Errorf("a non-admin retiring partitions: %d %s", code, body)
	}
	code, body := call(person, "GET", "/auth/me", "")
	var me struct {
		Subject, Email, Name, Issuer, Auth string
		Admin                              bool
		SignOut                            bool `json:"sign_out"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &me) != nil || me.Subject != "person-1" || me.Name != "person@example.com" ||
		me.Issuer != h.Issuer || me.Auth != "oidc" || me.Admin || !me.SignOut {
		t.Errorf("/auth/me: %d %s", code, body)
	}

	boss := signIn("boss-1", "Boss@Example.com")
	if code, body := call(boss, "POST", "/api/query", retire); code != 200 {
		t.Errorf("an admin retiring partitions: %d %s", code, body)
	}
	for _, want := range []string{
		"subject=person-1 email=person@example.com issuer=" + h.Issuer + " auth=oidc admin=false action=query",
		"subject=boss-1 email=Boss@Example.com issuer=" + h.Issuer + " auth=oidc admin=true action=query",
		`msg="signed in to the web UI" subject=person-1`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no log line with %q", want)
		}
	}
	if strings.Contains(logs.String(), webClientSecret) {
		t.Error("the client secret is in the log")
	}

	// Sign out: the session no longer reaches the API.
	if code, _ := call(person, "POST", "/auth/logout", ""); code != 200 {
		t.Errorf("sign out: %d", code)
	}
	if code, body := call(person, "POST", "/api/query", `{"sql": "SELECT 1"}`); code != 401 || !strings.Contains(body, "login_url") {
		t.Errorf("after signing out: %d %s", code, body)
	}
}
