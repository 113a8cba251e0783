package websession

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Paths of the sign-in routes.
const (
	LoginPath    = "/auth/login"
	CallbackPath = "/auth/callback"
	LogoutPath   = "/auth/logout"
)

// Cookie names.
const (
	// SessionCookie holds the sealed session.
	SessionCookie = "micromegas_session"
	// flowCookie holds the state, nonce and PKCE verifier of a sign-in
	// under way, for the callback.
	flowCookie = "micromegas_signin"
)

// Defaults of Config.
const (
	DefaultTTL = 8 * time.Hour
	// flowTTL is how long a sign-in may take at the issuer.
	flowTTL = 10 * time.Minute
	// discoveryRetry is how long a failed discovery is remembered.
	discoveryRetry = 10 * time.Second
)

// Config configures the sign-in.
type Config struct {
	// Issuer is the OpenID Connect issuer people sign in with, exactly as
	// in MICROMEGAS_OIDC_CONFIG.
	Issuer string
	// ClientID and ClientSecret are the server's confidential client at
	// the issuer (MICROMEGAS_WEB_OIDC_CLIENT_ID, _CLIENT_SECRET); its
	// redirect URI is BaseURL + /auth/callback.
	ClientID, ClientSecret string
	// BaseURL is the address people reach the server at
	// ("https://micromegas.example.com"), for a server behind a proxy;
	// empty: the scheme and Host of each request.
	BaseURL string
	// Key seals the cookies (KeySize bytes); nil: a random key, so that
	// sessions end when the server stops and no other node accepts them.
	Key []byte
	// TTL is how long a session lasts (default DefaultTTL).
	TTL time.Duration
	// Scopes asked for (default openid, email, profile).
	Scopes []string
	// HTTPClient reaches the issuer (nil: one with a 10 s timeout).
	HTTPClient *http.Client
	// Logger gets a line per sign-in, sign-out and refused sign-in
	// (never a token or a code); nil discards.
	Logger *slog.Logger
}

// Sessions signs people in and recognizes their sessions. It is safe for
// concurrent use.
type Sessions struct {
	cfg    Config
	seal   *sealer
	log    *slog.Logger
	now    func() time.Time
	secure bool // BaseURL is https: cookies are Secure on every request

	mu       sync.Mutex
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	failedAt time.Time
	err      error

	revoked revocations
}

// New checks cfg and returns the sign-in; the issuer is discovered on the
// first sign-in, so the server starts while it is down.
func New(cfg Config) (*Sessions, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("web sign-in: no issuer")
	case cfg.ClientID == "" || cfg.ClientSecret == "":
		return nil, errors.New("web sign-in needs both MICROMEGAS_WEB_OIDC_CLIENT_ID and MICROMEGAS_WEB_OIDC_CLIENT_SECRET (the server's confidential client at the issuer)")
	}
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("web base URL %q: want the scheme and host people reach the server at, such as https://micromegas.example.com (no path)", cfg.BaseURL)
		}
		cfg.BaseURL = u.Scheme + "://" + u.Host
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{oidc.ScopeOpenID, "email", "profile"}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	key := cfg.Key
	if key == nil {
		key = make([]byte, KeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
	}
	sl, err := newSealer(key)
	if err != nil {
		return nil, err
	}
	return &Sessions{cfg: cfg, seal: sl, log: cfg.Logger, now: time.Now, secure: strings.HasPrefix(cfg.BaseURL, "https://")}, nil
}

// Handler serves the sign-in routes (LoginPath, CallbackPath,
// LogoutPath); mount it at /auth/, outside the authentication middleware.
func (s *Sessions) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+LoginPath, s.login)
	mux.HandleFunc("GET "+CallbackPath, s.callback)
	mux.HandleFunc("GET "+LogoutPath, s.logoutForm)
	mux.HandleFunc("POST "+LogoutPath, s.logout)
	return mux
}

// discover returns the issuer's provider and id_token verifier,
// discovering them once.
func (s *Sessions) discover(ctx context.Context) (*oidc.Provider, *oidc.IDTokenVerifier, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.provider != nil {
		return s.provider, s.verifier, nil
	}
	if s.err != nil && s.now().Sub(s.failedAt) < discoveryRetry {
		return nil, nil, s.err
	}
	dctx, cancel := context.WithTimeout(oidc.ClientContext(context.WithoutCancel(ctx), s.cfg.HTTPClient), 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(dctx, s.cfg.Issuer)
	if err != nil {
		s.err, s.failedAt = fmt.Errorf("the issuer %q does not answer (discovery failed): %w; try again in a moment", s.cfg.Issuer, err), s.now()
		return nil, nil, s.err
	}
	s.provider = p
	s.verifier = p.VerifierContext(oidc.ClientContext(context.Background(), s.cfg.HTTPClient), &oidc.Config{
		ClientID:             s.cfg.ClientID,
		SupportedSigningAlgs: []string{oidc.RS256, oidc.ES256},
	})
	s.err = nil
	return s.provider, s.verifier, nil
}

// isSecure reports whether cookies set in answer to r get the Secure
// attribute: r came over TLS, or people reach the server at an https
// base URL (TLS ended by a proxy).
func (s *Sessions) isSecure(r *http.Request) bool { return s.secure || r.TLS != nil }

// redirectURL is the callback URL of requests like r.
func (s *Sessions) redirectURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL + CallbackPath
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + CallbackPath
}

// setCookie sets a cookie with the attributes every cookie of the
// sign-in has: HttpOnly, SameSite=Lax, Secure over TLS.
func (s *Sessions) setCookie(w http.ResponseWriter, r *http.Request, name, value, path string, maxAge time.Duration) {
	c := &http.Cookie{
		Name: name, Value: value, Path: path, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.isSecure(r), MaxAge: int(maxAge / time.Second),
	}
	if maxAge < 0 {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// revocations are the sessions signed out before their expiry, kept until
// then: a copy of a signed-out cookie is refused by this node.
type revocations struct {
	mu  sync.Mutex
	ids map[string]time.Time
}

// maxRevocations bounds the signed-out sessions remembered.
const maxRevocations = 100_000

func (rv *revocations) add(id string, exp, now time.Time) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if rv.ids == nil {
		rv.ids = map[string]time.Time{}
	}
	for k, e := range rv.ids {
		if len(rv.ids) < maxRevocations/2 {
			break
		}
		if e.Before(now) || len(rv.ids) >= maxRevocations {
			delete(rv.ids, k)
		}
	}
	rv.ids[id] = exp
}

func (rv *revocations) has(id string) bool {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	_, ok := rv.ids[id]
	return ok
}
