package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// OIDCConfig is MICROMEGAS_OIDC_CONFIG, as the original:
//
//	{"issuers": [{"issuer": "https://accounts.google.com", "audience": "<client id>"}],
//	 "jwks_refresh_interval_secs": 3600, "token_cache_size": 1000, "token_cache_ttl_secs": 300}
type OIDCConfig struct {
	Issuers []IssuerConfig `json:"issuers"`
	// JWKSRefreshIntervalSecs is how often an issuer's signing keys are
	// fetched again (default 3600); a token signed with a key not yet
	// seen fetches them at once (at most every few seconds).
	JWKSRefreshIntervalSecs int `json:"jwks_refresh_interval_secs"`
	// TokenCacheSize bounds the validated tokens kept (default 1000).
	TokenCacheSize int `json:"token_cache_size"`
	// TokenCacheTTLSecs is how long a validated token is trusted without
	// checking it again, never past its expiry (default 300).
	TokenCacheTTLSecs int `json:"token_cache_ttl_secs"`
}

// IssuerConfig is one trusted issuer.
type IssuerConfig struct {
	// Issuer is the issuer URL exactly as the tokens' iss claim holds it
	// (trailing slash included when the provider puts one).
	Issuer string `json:"issuer"`
	// Audience is the client id (or API identifier) the tokens must be
	// issued for: a string or a list, any of which may match.
	Audience Audiences `json:"audience"`
}

// Audiences is a JSON string or list of strings.
type Audiences []string

// UnmarshalJSON accepts "aud" or ["aud1", "aud2"].
func (a *Audiences) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
		var list []string
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		*a = list
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err != nil {
		return errors.New(`audience must be a string or a list of strings`)
	}
	*a = Audiences{one}
	return nil
}

// Defaults of OIDCConfig.
const (
	DefaultJWKSRefresh    = time.Hour
	DefaultTokenCacheSize = 1000
	DefaultTokenCacheTTL  = 5 * time.Minute
)

// ParseOIDCConfig reads MICROMEGAS_OIDC_CONFIG and checks it.
func ParseOIDCConfig(s string) (OIDCConfig, error) {
	var c OIDCConfig
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf(`MICROMEGAS_OIDC_CONFIG: want {"issuers": [{"issuer": "https://...", "audience": "<client id>"}]}: %w`, err)
	}
	if len(c.Issuers) == 0 {
		return c, errors.New("MICROMEGAS_OIDC_CONFIG: no issuer: add at least one to \"issuers\"")
	}
	seen := map[string]bool{}
	for i, is := range c.Issuers {
		switch {
		case !strings.HasPrefix(is.Issuer, "https://") && !strings.HasPrefix(is.Issuer, "http://"):
			return c, fmt.Errorf("MICROMEGAS_OIDC_CONFIG: issuer %d (%q) is not an http(s) URL", i, is.Issuer)
		case len(is.Audience) == 0 || slicesContainsEmpty(is.Audience):
			return c, fmt.Errorf("MICROMEGAS_OIDC_CONFIG: issuer %q has no audience: set the client id its tokens are issued for", is.Issuer)
		case seen[is.Issuer]:
			return c, fmt.Errorf("MICROMEGAS_OIDC_CONFIG: issuer %q is listed twice", is.Issuer)
		}
		seen[is.Issuer] = true
	}
	if c.JWKSRefreshIntervalSecs < 0 || c.TokenCacheSize < 0 || c.TokenCacheTTLSecs < 0 {
		return c, errors.New("MICROMEGAS_OIDC_CONFIG: jwks_refresh_interval_secs, token_cache_size and token_cache_ttl_secs must not be negative")
	}
	return c, nil
}

func slicesContainsEmpty(s []string) bool {
	for _, v := range s {
		if strings.TrimSpace(v) == "" {
			return true
		}
	}
	return false
}

func (c OIDCConfig) jwksRefresh() time.Duration {
	if c.JWKSRefreshIntervalSecs == 0 {
		return DefaultJWKSRefresh
	}
	return time.Duration(c.JWKSRefreshIntervalSecs) * time.Second
}

func (c OIDCConfig) cacheSize() int {
	if c.TokenCacheSize == 0 {
		return DefaultTokenCacheSize
	}
	return c.TokenCacheSize
}

func (c OIDCConfig) cacheTTL() time.Duration {
	if c.TokenCacheTTLSecs == 0 {
		return DefaultTokenCacheTTL
	}
	return time.Duration(c.TokenCacheTTLSecs) * time.Second
}
