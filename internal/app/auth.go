package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/micromegas-go/micromegas/internal/auth"
	"github.com/micromegas-go/micromegas/internal/catalog"
)

// AuthConfig configures the authentication of every role (internal/auth).
type AuthConfig struct {
	// APIKeys is MICROMEGAS_API_KEYS: a JSON list of {name, key, scope?}.
	APIKeys string
	// OIDCConfig is MICROMEGAS_OIDC_CONFIG: the trusted issuers.
	OIDCConfig string
	// Admins is MICROMEGAS_ADMINS: emails, subjects or key names.
	Admins string
	// Disabled serves without authentication on any address
	// (--disable-auth).
	Disabled bool
	// KeyRefresh is how often the API keys of the catalog are reloaded
	// (default auth.DefaultKeyRefresh).
	KeyRefresh time.Duration
	// TLSCert and TLSKey are PEM files: when set, every listener serves
	// TLS (HTTPS, gRPC over TLS).
	TLSCert, TLSKey string
	// WebClientID and WebClientSecret (MICROMEGAS_WEB_OIDC_CLIENT_ID,
	// MICROMEGAS_WEB_OIDC_CLIENT_SECRET) turn on the web UI's sign-in
	// (internal/websession): the server's confidential client at the
	// issuer, whose audience list in OIDCConfig must hold the client id.
	WebClientID, WebClientSecret string
	// WebIssuer (MICROMEGAS_WEB_OIDC_ISSUER) is the issuer of OIDCConfig
	// people sign in with; needed when OIDCConfig lists several.
	WebIssuer string
	// WebBaseURL (--web-base-url) is the address people reach the web UI
	// at behind a proxy ("https://micromegas.example.com"): the redirect
	// URI is WebBaseURL/auth/callback, and https makes cookies Secure.
	WebBaseURL string
	// WebSessionKey (MICROMEGAS_WEB_SESSION_KEY, base64 of 32 bytes)
	// seals the session cookies; the same on every analytics node. Empty:
	// a random key per start.
	WebSessionKey string
	// WebSessionTTL (--web-session-ttl) is how long a web session lasts
	// (default websession.DefaultTTL).
	WebSessionTTL time.Duration
}

// configured reports whether any way to authenticate is set.
func (c AuthConfig) configured() bool { return c.APIKeys != "" || c.OIDCConfig != "" }

// errNoAuth starts the refusal of a server that would listen beyond the
// machine without authentication.
var errNoAuth = errors.New("authentication is not configured")

// setupAuth builds the authenticator of the roles. With no way to
// authenticate configured (no MICROMEGAS_API_KEYS, no OIDC issuer, no
// active key in the catalog), the server runs open when every address is
// a loopback one (saying so in one log line), and refuses to start
// otherwise unless auth is disabled.
func (a *App) setupAuth(ctx context.Context, addrs map[string]string) error {
	c := a.cfg.Auth
	a.audit = auth.NewAuditor(a.log)
	if err := c.checkWebSignIn(); err != nil {
		return err
	}
	ks, ok := a.catalog.(catalog.KeyStore)
	if !ok {
		return fmt.Errorf("the catalog %T cannot hold API keys", a.catalog)
	}
	minted, err := hasActiveKeys(ctx, ks)
	if err != nil {
		return err
	}
	if c.Disabled || (!c.configured() && !minted) {
		var public []string
		for role, addr := range addrs {
			if !isLoopback(addr) {
				public = append(public, role+" on "+addr)
			}
		}
		switch {
		case len(public) > 0 && !c.Disabled:
			return fmt.Errorf("%w and %s listens beyond this machine: set MICROMEGAS_API_KEYS or MICROMEGAS_OIDC_CONFIG, or mint a key on a local server with micromegas keys create (see docs/auth.md), listen on 127.0.0.1, or pass --disable-auth (env MICROMEGAS_DISABLE_AUTH=true) to serve without authentication",
				errNoAuth, strings.Join(public, " and "))
		case c.Disabled:
			a.log.Warn("authentication is disabled (--disable-auth): anyone who reaches the server can read, write and administer it")
		default:
			a.log.Info("authentication is off: the server listens on loopback addresses only and no API key or OIDC issuer is configured; anyone on this machine can read, write and administer it")
		}
		a.authn = auth.Open()
		a.audit = auth.NewAuditorAt(a.log, slog.LevelDebug) // every caller is anonymous: not a trail
		return nil
	}
	admins, err := auth.ParseAdmins(c.Admins)
	if err != nil {
		return err
	}
	var providers []auth.Provider
	if c.APIKeys != "" {
		keys, err := auth.ParseStaticKeys(c.APIKeys)
		if err != nil {
			return err
		}
		providers = append(providers, keys)
	}
	ck, err := auth.NewCatalogKeys(ctx, ks, c.KeyRefresh, a.log)
	if err != nil {
		return err
	}
	providers = append(providers, ck)
	if c.OIDCConfig != "" {
		oc, err := auth.ParseOIDCConfig(c.OIDCConfig)
		if err != nil {
			return err
		}
		providers = append(providers, auth.NewOIDC(oc, nil))
		if c.webSignIn() {
			if a.signin, err = a.newWebSignIn(c, oc); err != nil {
				return err
			}
			providers = append(providers, a.signin)
		}
	}
	a.keys = ck
	kctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		ck.Run(kctx)
	}()
	a.stopKeys = func() {
		cancel()
		<-done
	}
	a.authn = auth.New(admins, a.log, providers...)
	a.log.Info("authentication is on", "api_keys", c.APIKeys != "", "minted_keys", minted, "oidc", c.OIDCConfig != "", "web_sign_in", a.signin != nil, "admins", admins.Len())
	return nil
}

// hasActiveKeys reports whether the catalog holds API keys that are
// neither revoked nor expired: then authentication is configured even
// without MICROMEGAS_API_KEYS or MICROMEGAS_OIDC_CONFIG (keys minted on a
// local server, before opening it to the network).
func hasActiveKeys(ctx context.Context, ks catalog.KeyStore) (bool, error) {
	keys, err := ks.ListAPIKeys(ctx)
	if err != nil {
		return false, fmt.Errorf("read the API keys of the catalog: %w", err)
	}
	now := time.Now()
	for _, k := range keys {
		if k.RevokedAt.IsZero() && (k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt)) {
			return true, nil
		}
	}
	return false, nil
}

// isLoopback reports whether a listen address stays on this machine: its
// host is a loopback IP or localhost (an empty host listens everywhere).
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
