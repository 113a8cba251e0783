package main

import (
	"flag"
	"os"

	"github.com/micromegas-go/micromegas/internal/app"
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
}
