package clientauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"
)

// DefaultRedirectURL is where the issuer sends the browser back, as the
// original's Python client; register it (or http://localhost/callback
// with any port, for issuers that allow it) with the issuer.
const DefaultRedirectURL = "http://localhost:48080/callback"

// LoginOptions configure Login.
type LoginOptions struct {
	Issuer   string
	ClientID string
	// ClientSecret is sent when the issuer requires one for this client
	// (client_secret_post); empty for public clients (PKCE alone).
	ClientSecret string
	// RedirectURL is the loopback URL the browser comes back to
	// (default DefaultRedirectURL); port 0 picks a free port.
	RedirectURL string
	// Scopes asked for (default openid, email, profile, offline_access).
	Scopes []string
	// OpenURL shows the authorization URL to the user: it prints it and
	// opens the browser when there is one. Required.
	OpenURL func(url string) error
	// HTTPClient reaches the issuer (nil: one trusting MICROMEGAS_CA_FILE).
	HTTPClient *http.Client
}

// Login runs the authorization code flow with PKCE: it listens on the
// loopback redirect URL, shows the issuer's authorization URL, waits for
// the browser to come back with a code (or ctx to end) and trades it for
// tokens.
func Login(ctx context.Context, o LoginOptions) (Tokens, error) {
	if o.Issuer == "" || o.ClientID == "" {
		return Tokens{}, errors.New("login needs --issuer and --client-id (env MICROMEGAS_OIDC_ISSUER, MICROMEGAS_OIDC_CLIENT_ID)")
	}
	client := o.HTTPClient
	if client == nil {
		client = defaultHTTPClient()
	}
	if o.RedirectURL == "" {
		o.RedirectURL = DefaultRedirectURL
	}
	if len(o.Scopes) == 0 {
		o.Scopes = []string{"openid", "email", "profile", "offline_access"}
	}
	ep, err := Discover(ctx, client, o.Issuer)
	if err != nil {
		return Tokens{}, err
	}
	if ep.Authorization == "" {
		return Tokens{}, fmt.Errorf("issuer %q publishes no authorization_endpoint", o.Issuer)
	}
	redirect, err := url.Parse(o.RedirectURL)
	if err != nil || redirect.Scheme != "http" || !isLoopbackHost(redirect.Hostname()) {
		return Tokens{}, fmt.Errorf("redirect URL %q: want http://localhost:PORT/PATH or http://127.0.0.1:PORT/PATH", o.RedirectURL)
	}
	var lc net.ListenConfig
	lis, err := lc.Listen(ctx, "tcp", net.JoinHostPort(listenHost(redirect.Hostname()), redirect.Port()))
	if err != nil {
		return Tokens{}, fmt.Errorf("listen for the login redirect on %s (is another login running?): %w", redirect.Host, err)
	}
	defer lis.Close()
	_, port, _ := net.SplitHostPort(lis.Addr().String())
	redirect.Host = net.JoinHostPort(redirect.Hostname(), port)

	cfg := oauth2.Config{
		ClientID: o.ClientID, ClientSecret: o.ClientSecret, Scopes: o.Scopes, RedirectURL: redirect.String(),
		Endpoint: oauth2.Endpoint{AuthURL: ep.Authorization, TokenURL: ep.Token, AuthStyle: oauth2.AuthStyleInParams},
	}
	state := randomString()
	verifier := oauth2.GenerateVerifier()
	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != redirect.Path {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		var res result
		switch {
		case q.Get("state") != state:
			res.err = errors.New("the login redirect came back with another state: start micromegas login again")
		case q.Get("error") != "":
			res.err = fmt.Errorf("the issuer refused the login: %s %s", q.Get("error"), q.Get("error_description"))
		case q.Get("code") == "":
			res.err = errors.New("the login redirect has no code")
		default:
			res.code = q.Get("code")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if res.err != nil {
			fmt.Fprintf(w, "<p>Micromegas login failed: %s</p>", html.EscapeString(res.err.Error()))
		} else {
			fmt.Fprint(w, "<p>Micromegas login succeeded: you may close this window.</p>")
		}
		select {
		case done <- res:
		default:
		}
	})}
	go srv.Serve(lis)
	defer srv.Close()

	if err := o.OpenURL(cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))); err != nil {
		return Tokens{}, err
	}
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		return Tokens{}, fmt.Errorf("waiting for the browser to come back from the issuer: %w", ctx.Err())
	}
	if res.err != nil {
		return Tokens{}, res.err
	}
	tok, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, client), res.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Tokens{}, fmt.Errorf("trade the login code for tokens: %w", err)
	}
	return Tokens{Issuer: o.Issuer, ClientID: o.ClientID, TokenURL: ep.Token}.update(tok)
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// listenHost is the address to listen on for a loopback host name.
func listenHost(h string) string {
	if h == "localhost" {
		return "127.0.0.1"
	}
	return h
}

func randomString() string {
	var b [24]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
