package main

import (
	"flag"
	"os"
	"time"

	"github.com/micromegas-go/micromegas/internal/app"
	"github.com/micromegas-go/micromegas/internal/websession"
)

// addAuthFlags adds the authentication and TLS flags of the server
// commands. The secrets (API keys, OIDC configuration) come from the
// environment only, so they never show in a process listing.
func addAuthFlags(fs *flag.FlagSet, c *app.AuthConfig) {
	c.APIKeys = os.Getenv("MICROMEGAS_API_KEYS")
	c.OIDCConfig = os.Getenv("MICROMEGAS_OIDC_CONFIG")
	fs.StringVar(&c.Admins, "admins", envOr("MICROMEGAS_ADMINS", ""), `admins: a JSON list or comma-separated emails, subjects or API key names (env MICROMEGAS_ADMINS); API keys come from MICROMEGAS_API_KEYS and OpenID issuers from MICROMEGAS_OIDC_CONFIG (see docs/auth.md)`)
	fs.BoolVar(&c.Disabled, "disable-auth", envOr("MICROMEGAS_DISABLE_AUTH", "false") == "true", "serve without authentication even on addresses beyond this machine (env MICROMEGAS_DISABLE_AUTH); without authentication configured, loopback addresses are served open and others refused")
	fs.StringVar(&c.TLSCert, "tls-cert", envOr("MICROMEGAS_TLS_CERT", ""), "PEM certificate chain: every listener serves TLS (env MICROMEGAS_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", envOr("MICROMEGAS_TLS_KEY", ""), "PEM private key of --tls-cert (env MICROMEGAS_TLS_KEY)")
	// The web UI's sign-in: the client secret and the session key come
	// from the environment only.
	c.WebClientSecret = os.Getenv("MICROMEGAS_WEB_OIDC_CLIENT_SECRET")
	c.WebSessionKey = os.Getenv("MICROMEGAS_WEB_SESSION_KEY")
	fs.StringVar(&c.WebClientID, "web-oidc-client-id", envOr("MICROMEGAS_WEB_OIDC_CLIENT_ID", ""), "client id of the web UI's sign-in at the issuer (env MICROMEGAS_WEB_OIDC_CLIENT_ID); its secret comes from MICROMEGAS_WEB_OIDC_CLIENT_SECRET, its issuer from MICROMEGAS_OIDC_CONFIG (see docs/auth.md)")
	fs.StringVar(&c.WebIssuer, "web-oidc-issuer", envOr("MICROMEGAS_WEB_OIDC_ISSUER", ""), "issuer of MICROMEGAS_OIDC_CONFIG people sign in to the web UI with; needed when it lists several (env MICROMEGAS_WEB_OIDC_ISSUER)")
	fs.StringVar(&c.WebBaseURL, "web-base-url", envOr("MICROMEGAS_WEB_BASE_URL", ""), "address people reach the web UI at, behind a proxy (https://micromegas.example.com): the sign-in's redirect URI is this/auth/callback (env MICROMEGAS_WEB_BASE_URL; default: the request's host)")
	setTTL := func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			// Refused by the server's start, which names the setting.
			c.WebSessionTTL = -1
			return nil
		}
		c.WebSessionTTL = d
		return nil
	}
	setTTL(envOr("MICROMEGAS_WEB_SESSION_TTL", websession.DefaultTTL.String()))
	fs.Func("web-session-ttl", "how long a web UI sign-in lasts, such as 8h (env MICROMEGAS_WEB_SESSION_TTL; default "+websession.DefaultTTL.String()+")", setTTL)
}
