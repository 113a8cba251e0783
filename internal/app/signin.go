package app

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/micromegas-go/micromegas/internal/auth"
	"github.com/micromegas-go/micromegas/internal/websession"
)

// webSignIn reports whether any setting of the web UI's sign-in is set.
func (c AuthConfig) webSignIn() bool {
	return c.WebClientID != "" || c.WebClientSecret != "" || c.WebIssuer != "" || c.WebSessionKey != ""
}

// checkWebSignIn refuses a half-configured web sign-in, before anything
// else is decided from the configuration.
func (c AuthConfig) checkWebSignIn() error {
	if !c.webSignIn() {
		return nil
	}
	switch {
	case c.WebClientID == "" || c.WebClientSecret == "":
		return errors.New("web sign-in is half configured: set both MICROMEGAS_WEB_OIDC_CLIENT_ID and MICROMEGAS_WEB_OIDC_CLIENT_SECRET (the server's confidential client at the issuer; see docs/auth.md, Signing in to the web UI)")
	case c.Disabled:
		return errors.New("web sign-in (MICROMEGAS_WEB_OIDC_CLIENT_ID) and --disable-auth contradict each other: unset one of them")
	case c.WebSessionTTL < 0:
		return errors.New("--web-session-ttl (env MICROMEGAS_WEB_SESSION_TTL) must be a positive duration, such as 8h")
	case c.OIDCConfig == "":
		return errors.New("web sign-in (MICROMEGAS_WEB_OIDC_CLIENT_ID) needs the issuer in MICROMEGAS_OIDC_CONFIG, with the client id among its audiences")
	}
	return nil
}

// newWebSignIn builds the web UI's sign-in with the issuer of oc that c
// names (the only one when oc lists one).
func (a *App) newWebSignIn(c AuthConfig, oc auth.OIDCConfig) (*websession.Sessions, error) {
	var names []string
	var issuer *auth.IssuerConfig
	for i, is := range oc.Issuers {
		names = append(names, is.Issuer)
		if is.Issuer == c.WebIssuer || (c.WebIssuer == "" && len(oc.Issuers) == 1) {
			issuer = &oc.Issuers[i]
		}
	}
	switch {
	case issuer == nil && c.WebIssuer == "":
		return nil, fmt.Errorf("web sign-in: MICROMEGAS_OIDC_CONFIG lists %d issuers (%s): set MICROMEGAS_WEB_OIDC_ISSUER to the one people sign in with", len(names), strings.Join(names, ", "))
	case issuer == nil:
		return nil, fmt.Errorf("web sign-in: MICROMEGAS_WEB_OIDC_ISSUER %q is not an issuer of MICROMEGAS_OIDC_CONFIG (%s)", c.WebIssuer, strings.Join(names, ", "))
	case !slices.Contains(issuer.Audience, c.WebClientID):
		return nil, fmt.Errorf("web sign-in: add the client id %q to the audience of %q in MICROMEGAS_OIDC_CONFIG, so that the server trusts the id_tokens issued to it", c.WebClientID, issuer.Issuer)
	}
	var key []byte
	if c.WebSessionKey != "" {
		var err error
		if key, err = websession.ParseKey(c.WebSessionKey); err != nil {
			return nil, err
		}
	} else {
		a.log.Info("web sign-in: MICROMEGAS_WEB_SESSION_KEY is not set, so sessions end when the server stops and other nodes do not accept them; set the same key on every analytics node to keep them")
	}
	s, err := websession.New(websession.Config{
		Issuer: issuer.Issuer, ClientID: c.WebClientID, ClientSecret: c.WebClientSecret,
		BaseURL: c.WebBaseURL, Key: key, TTL: c.WebSessionTTL, Logger: a.log,
	})
	if err != nil {
		return nil, err
	}
	a.log.Info("web sign-in is on", "issuer", issuer.Issuer, "client_id", c.WebClientID, "base_url", c.WebBaseURL)
	return s, nil
}
