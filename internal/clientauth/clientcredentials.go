package clientauth

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// renewBefore is how long before its expiry a service account's token is
// replaced.
const renewBefore = time.Minute

// ClientCredentials returns the token source of a service account: the
// OAuth2 client credentials grant at e.TokenURL (discovered from e.Issuer
// on first use when empty), with e.Audience as the audience parameter and
// e.Scope as the scope (Entra ID's api://<app>/.default).
// Tokens are cached and renewed a minute before they expire.
func ClientCredentials(ctx context.Context, e Env) (oauth2.TokenSource, error) {
	ctx = context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, e.httpClient())
	cc := &ccSource{ctx: ctx, env: e}
	return oauth2.ReuseTokenSourceWithExpiry(nil, cc, renewBefore), nil
}

// ccSource fetches a new token on each call.
type ccSource struct {
	ctx context.Context
	env Env

	mu  sync.Mutex
	cfg *clientcredentials.Config
}

func (s *ccSource) Token() (*oauth2.Token, error) {
	cfg, err := s.config()
	if err != nil {
		return nil, err
	}
	t, err := cfg.Token(s.ctx)
	if err != nil {
		return nil, fmt.Errorf("client credentials of %s: %w", s.env.ClientID, err)
	}
	return t, nil
}

func (s *ccSource) config() (*clientcredentials.Config, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg != nil {
		return s.cfg, nil
	}
	tokenURL := s.env.TokenURL
	if tokenURL == "" {
		ep, err := Discover(s.ctx, s.env.httpClient(), s.env.Issuer)
		if err != nil {
			return nil, err
		}
		tokenURL = ep.Token
	}
	s.cfg = &clientcredentials.Config{
		ClientID: s.env.ClientID, ClientSecret: s.env.ClientSecret, TokenURL: tokenURL,
		AuthStyle: oauth2.AuthStyleAutoDetect, Scopes: strings.Fields(s.env.Scope),
	}
	if s.env.Audience != "" {
		s.cfg.EndpointParams = url.Values{"audience": {s.env.Audience}}
	}
	return s.cfg, nil
}
