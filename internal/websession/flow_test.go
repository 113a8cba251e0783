package websession

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/auth"
	"github.com/micromegas-go/micromegas/internal/auth/hydratest"
)

const (
	webClient = "micromegas-web"
	webSecret = "web-secret-0123456789abcdef"
)

// rig is a server with the sign-in in front of an API behind the one
// authenticator, as internal/web mounts them, and Ory Hydra signing
// people in.
type rig struct {
	hydra *hydratest.LoginServer
	s     *Sessions
	srv   *httptest.Server
}

func newRig(t *testing.T) *rig {
	t.Helper()
	h := hydratest.StartWithLogin(t)
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	s, err := New(Config{Issuer: h.Issuer, ClientID: webClient, ClientSecret: webSecret, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	oc, err := auth.ParseOIDCConfig(`{"issuers": [{"issuer": "` + h.Issuer + `", "audience": "` + webClient + `"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	admins, _ := auth.ParseAdmins("admin@example.com")
	a := auth.New(admins, nil, auth.NewOIDC(oc, nil), s)
	mux := http.NewServeMux()
	mux.Handle("/auth/", s.Handler())
	mux.Handle("/api/", a.Middleware(auth.ScopeQuery, auth.LoginURL(LoginPath))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := auth.FromContext(r.Context())
		json.NewEncoder(w).Encode(map[string]any{"subject": id.Subject, "email": id.Email, "issuer": id.Issuer, "kind": id.Kind.String(), "admin": id.Admin, "path": r.URL.RequestURI()})
	})))
	srv.Config.Handler = mux
	h.CreateWebClient(t, webClient, webSecret, srv.URL+CallbackPath)
	return &rig{hydra: h, s: s, srv: srv}
}

// browser is an HTTP client keeping cookies and following redirects,
// recording the Set-Cookie headers of the callback.
type browser struct {
	*http.Client
	callbackCookies []*http.Cookie
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{}
	b.Client = &http.Client{Jar: jar, Timeout: 60 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if prev := req.Response; prev != nil && prev.Request.URL.Path == CallbackPath {
			b.callbackCookies = prev.Cookies()
		}
		return nil
	}}
	return b
}

func (b *browser) get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := b.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// do sends a request with the browser's cookies and extra headers.
func (b *browser) do(t *testing.T, method, u, body string, headers ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := b.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// signIn goes through the whole flow and returns where it landed.
func (r *rig) signIn(t *testing.T, b *browser, ret string) (*http.Response, string) {
	t.Helper()
	return b.get(t, r.srv.URL+LoginPath+"?return="+url.QueryEscape(ret))
}

func cookieNamed(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// TestSignInFlow signs in through Hydra and lands on the return page with
// a session that the authenticator turns into the person's identity; the
// cookie is HttpOnly, SameSite=Lax, Path=/, bounded, not Secure over plain
// HTTP, and holds no token; requests that change data need JSON, cross-
// site requests are refused; signing out ends the session, and a copy of
// the cookie is refused afterwards.
func TestSignInFlow(t *testing.T) {
	r := newRig(t)
	r.hydra.SetUser("person-1", "Person.One@example.com")
	b := newBrowser(t)

	// Without a session: 401 with the sign-in URL.
	code, body := b.do(t, "GET", r.srv.URL+"/api/whoami", "")
	if code != 401 || !strings.Contains(body, `"login_url":"/auth/login"`) {
		t.Fatalf("no session: %d %s, want 401 with login_url", code, body)
	}

	resp, body := r.signIn(t, b, "/api/whoami?tab=logs")
	if resp.StatusCode != 200 || resp.Request.URL.RequestURI() != "/api/whoami?tab=logs" {
		t.Fatalf("signed in, landed on %s with %d %s", resp.Request.URL, resp.StatusCode, body)
	}
	var id map[string]any
	if err := json.Unmarshal([]byte(body), &id); err != nil {
		t.Fatal(err)
	}
	if id["subject"] != "person-1" || id["email"] != "Person.One@example.com" || id["issuer"] != r.hydra.Issuer || id["kind"] != "oidc" || id["admin"] != false {
		t.Errorf("identity of the session: %v", id)
	}

	c := cookieNamed(b.callbackCookies, SessionCookie)
	if c == nil {
		t.Fatalf("the callback set no session cookie: %v", b.callbackCookies)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || c.MaxAge != 3600 {
		t.Errorf("session cookie attributes: HttpOnly %v SameSite %v Path %q Secure %v MaxAge %d", c.HttpOnly, c.SameSite, c.Path, c.Secure, c.MaxAge)
	}
	if strings.Count(c.Value, ".") >= 2 || strings.Contains(c.Value, "person-1") || strings.Contains(c.Value, "eyJ") {
		t.Errorf("the session cookie holds readable data or a token: %q", c.Value)
	}
	if f := cookieNamed(b.callbackCookies, flowCookie); f == nil || f.MaxAge >= 0 {
		t.Errorf("the callback did not clear the sign-in cookie: %v", f)
	}

	api := r.srv.URL + "/api/query"
	for _, c := range []struct {
		name    string
		method  string
		headers []string
		status  int
		want    string
	}{
		{"GET", "GET", nil, 200, "person-1"},
		{"POST JSON", "POST", []string{"Content-Type", "application/json; charset=utf-8"}, 200, "person-1"},
		{"POST form", "POST", []string{"Content-Type", "application/x-www-form-urlencoded"}, 401, "Content-Type: application/json"},
		{"POST text", "POST", []string{"Content-Type", "text/plain"}, 401, "cross-site request forgery"},
		{"POST without type", "POST", nil, 401, "cross-site request forgery"},
		{"DELETE form", "DELETE", []string{"Content-Type", "multipart/form-data; boundary=x"}, 401, "Content-Type: application/json"},
		{"cross-site GET", "GET", []string{"Sec-Fetch-Site", "cross-site"}, 401, "another site"},
		{"same-site POST", "POST", []string{"Content-Type", "application/json", "Sec-Fetch-Site", "same-site"}, 401, "another site"},
		{"same-origin POST", "POST", []string{"Content-Type", "application/json", "Sec-Fetch-Site", "same-origin"}, 200, "person-1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body := b.do(t, c.method, api, `{"sql": "SELECT 1"}`, c.headers...)
			if code != c.status || !strings.Contains(body, c.want) {
				t.Errorf("%d %s, want %d with %q", code, body, c.status, c.want)
			}
		})
	}

	// Sign out: the form, then the POST, which clears the cookie; a copy
	// of the old cookie is refused.
	if resp, body := b.get(t, r.srv.URL+LogoutPath); resp.StatusCode != 200 || !strings.Contains(body, `method="post"`) {
		t.Errorf("GET /auth/logout: %d %s", resp.StatusCode, body)
	}
	code, body = b.do(t, "POST", r.srv.URL+LogoutPath, "", "Sec-Fetch-Site", "same-origin")
	if code != 200 || !strings.Contains(body, "not signed in") {
		t.Errorf("sign out: %d %s", code, body)
	}
	if code, body := b.do(t, "GET", api, ""); code != 401 || !strings.Contains(body, "login_url") {
		t.Errorf("after sign-out: %d %s", code, body)
	}
	code, body = b.do(t, "GET", api, "", "Cookie", SessionCookie+"="+c.Value)
	if code != 401 || !strings.Contains(body, "signed out") {
		t.Errorf("a copy of the signed-out cookie: %d %s", code, body)
	}

	// A sign-out asked for by another site is refused.
	r.signIn(t, b, "/")
	if code, _ := b.do(t, "POST", r.srv.URL+LogoutPath, "", "Sec-Fetch-Site", "cross-site"); code != 403 {
		t.Errorf("cross-site sign-out: %d, want 403", code)
	}
	if code, _ := b.do(t, "GET", api, ""); code != 200 {
		t.Errorf("the session ended by a cross-site sign-out: %d", code)
	}
}

// TestSignInRefusals: a callback whose state is not the one of the
// browser's sign-in, a callback without a sign-in under way, a code the
// issuer does not know, the issuer's refusal, and return addresses of
// other sites are refused; an expired session is refused with the
// sign-in URL.
func TestSignInRefusals(t *testing.T) {
	r := newRig(t)
	b := newBrowser(t)
	b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	resp, _ := b.get(t, r.srv.URL+LoginPath+"?return=/logs")
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), r.hydra.Issuer) {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("state") == "" || q.Get("nonce") == "" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" ||
		q.Get("client_id") != webClient || q.Get("redirect_uri") != r.srv.URL+CallbackPath {
		t.Errorf("authorization URL lacks state, nonce, PKCE or the right client: %s", loc)
	}
	fc := cookieNamed(resp.Cookies(), flowCookie)
	if fc == nil || !fc.HttpOnly || fc.SameSite != http.SameSiteLaxMode || fc.Path != "/auth/" || fc.MaxAge <= 0 || fc.MaxAge > 600 {
		t.Fatalf("sign-in cookie: %+v", fc)
	}
	for _, c := range []struct {
		name, query string
		status      int
		want        string
	}{
		{"state mismatch", "state=forged&code=abc", 400, "state"},
		{"unknown code", "state=" + url.QueryEscape(q.Get("state")) + "&code=abc", 401, "refused the code"},
		{"issuer refusal", "error=access_denied&error_description=no", 401, "access_denied"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body := b.do(t, "GET", r.srv.URL+CallbackPath+"?"+c.query, "", "Cookie", flowCookie+"="+fc.Value)
			if code != c.status || !strings.Contains(body, c.want) {
				t.Errorf("%d %s, want %d with %q", code, body, c.status, c.want)
			}
		})
	}
	if code, body := newBrowser(t).do(t, "GET", r.srv.URL+CallbackPath+"?state="+q.Get("state")+"&code=abc", ""); code != 400 || !strings.Contains(body, "no sign-in under way") {
		t.Errorf("callback without the sign-in cookie: %d %s", code, body)
	}
	// The flow cookie sealed for the sign-in is not a session.
	if code, body := b.do(t, "GET", r.srv.URL+"/api/x", "", "Cookie", SessionCookie+"="+fc.Value); code != 401 || !strings.Contains(body, "not one this server sealed") {
		t.Errorf("sign-in cookie as a session: %d %s", code, body)
	}

	for _, ret := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "evil.example", "javascript:alert(1)", "/%2F%2Fevil.example", "/x\r\nLocation: https://evil.example"} {
		resp, body := b.get(t, r.srv.URL+LoginPath+"?return="+url.QueryEscape(ret))
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" || !strings.Contains(body, "another site is refused") {
			t.Errorf("return=%q: %d to %q, want 400", ret, resp.StatusCode, resp.Header.Get("Location"))
		}
	}

	// Expiry: a session past its TTL is refused with the sign-in URL.
	full := newBrowser(t)
	if resp, _ := r.signIn(t, full, "/api/x"); resp.StatusCode != 200 {
		t.Fatalf("sign in: %d", resp.StatusCode)
	}
	if code, _ := full.do(t, "GET", r.srv.URL+"/api/x", ""); code != 200 {
		t.Errorf("the session before its expiry: %d", code)
	}
	for _, c := range []struct {
		name string
		exp  time.Time
		code int
	}{
		{"expired a second ago", time.Now().Add(-time.Second), 401},
		{"expires in a minute", time.Now().Add(time.Minute), 200},
	} {
		sealed, err := r.s.seal.seal(SessionCookie, session{ID: randomID(), Subject: "person-2", Issuer: r.hydra.Issuer, Expires: c.exp.UnixMilli()})
		if err != nil {
			t.Fatal(err)
		}
		code, body := newBrowser(t).do(t, "GET", r.srv.URL+"/api/x", "", "Cookie", SessionCookie+"="+sealed)
		if code != c.code || (code == 401 && (!strings.Contains(body, "expired") || !strings.Contains(body, "login_url"))) {
			t.Errorf("session %s: %d %s", c.name, code, body)
		}
	}
}

// TestCookiesSecure: over TLS, or behind an https base URL, the cookies
// are Secure and the redirect URI is the base URL's.
func TestCookiesSecure(t *testing.T) {
	h := hydratest.StartWithLogin(t)
	for _, c := range []struct {
		name, base string
		tls        bool
		redirect   string
	}{
		{"TLS", "", true, "https://example.test/auth/callback"},
		{"https base URL", "https://micromegas.example.com/", false, "https://micromegas.example.com/auth/callback"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := New(Config{Issuer: h.Issuer, ClientID: webClient, ClientSecret: webSecret, BaseURL: c.base})
			if err != nil {
				t.Fatal(err)
			}
			scheme := "http"
			if c.tls {
				scheme = "https"
			}
			req := httptest.NewRequest("GET", scheme+"://example.test"+LoginPath, nil)
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, req)
			resp := w.Result()
			fc := cookieNamed(resp.Cookies(), flowCookie)
			if resp.StatusCode != http.StatusFound || fc == nil || !fc.Secure {
				t.Fatalf("%d, cookie %+v: want a Secure cookie", resp.StatusCode, fc)
			}
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if got := loc.Query().Get("redirect_uri"); got != c.redirect {
				t.Errorf("redirect_uri %q, want %q", got, c.redirect)
			}
		})
	}
}

// TestNewRefusesHalfConfigured names what is missing.
func TestNewRefusesHalfConfigured(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no secret", Config{Issuer: "https://i.example/", ClientID: "web"}, "MICROMEGAS_WEB_OIDC_CLIENT_SECRET"},
		{"no client id", Config{Issuer: "https://i.example/", ClientSecret: "s"}, "MICROMEGAS_WEB_OIDC_CLIENT_ID"},
		{"base URL with a path", Config{Issuer: "https://i.example/", ClientID: "web", ClientSecret: "s", BaseURL: "https://m.example/ui"}, "no path"},
		{"base URL not http", Config{Issuer: "https://i.example/", ClientID: "web", ClientSecret: "s", BaseURL: "ftp://m.example"}, "scheme and host"},
		{"short key", Config{Issuer: "https://i.example/", ClientID: "web", ClientSecret: "s", Key: []byte("short")}, "32"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := New(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one saying %q", err, c.want)
			}
		})
	}
	if _, err := ParseKey("not base64 !"); err == nil {
		t.Error("a key that is not base64 accepted")
	}
	if _, err := ParseKey("c2hvcnQ="); err == nil || !strings.Contains(err.Error(), "5 bytes") {
		t.Errorf("short key: %v", err)
	}
	k, err := ParseKey("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if err != nil || len(k) != KeySize {
		t.Errorf("a 32-byte key: %v", err)
	}
}
