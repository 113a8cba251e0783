package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
)

// clockSkew is the difference between our clock and an issuer's that
// expiry and not-before checks tolerate.
const clockSkew = 30 * time.Second

// discoveryRetry is how long a failed discovery of an issuer is
// remembered before it is tried again.
const discoveryRetry = 10 * time.Second

// OIDC authenticates OpenID Connect bearer tokens (JWTs): id_tokens of
// people and JWT access tokens of service accounts, from the issuers of
// an OIDCConfig. go-oidc does the discovery and checks the issuer and
// the expiry; this provider adds the audience lists, not-before with a
// small skew, the algorithm restriction and a cache of validated tokens.
type OIDC struct {
	cfg    OIDCConfig
	client *http.Client
	now    func() time.Time
	cache  *tokenCache

	issuers map[string]*issuer
}

// issuer is one trusted issuer, discovered on first use.
type issuer struct {
	cfg IssuerConfig

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
	failedAt time.Time
	err      error
}

// NewOIDC returns the provider of cfg. Issuers are discovered on the
// first token they sign, so a server starts while an issuer is down.
// client fetches discovery documents and keys (nil: a client with a 10 s
// timeout).
func NewOIDC(cfg OIDCConfig, client *http.Client) *OIDC {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	o := &OIDC{cfg: cfg, client: client, now: time.Now, cache: newTokenCache(cfg.cacheSize(), cfg.cacheTTL()), issuers: map[string]*issuer{}}
	for _, is := range cfg.Issuers {
		o.issuers[is.Issuer] = &issuer{cfg: is}
	}
	return o
}

// Authenticate implements Provider.
func (o *OIDC) Authenticate(ctx context.Context, c Credentials) (Identity, error) {
	if !looksLikeJWT(c.Bearer) {
		return Identity{}, ErrNoCredentials
	}
	now := o.now()
	if id, ok := o.cache.get(c.Bearer, now); ok {
		return id, nil
	}
	hdr, claims, err := peekJWT(c.Bearer)
	if err != nil {
		return Identity{}, err
	}
	if !slices.Contains(signingAlgs, jose.SignatureAlgorithm(hdr.Alg)) {
		return Identity{}, fmt.Errorf("token signed with alg %q: only RS256 and ES256 are accepted", hdr.Alg)
	}
	is, ok := o.issuers[claims.Issuer]
	if !ok {
		return Identity{}, fmt.Errorf("token of issuer %q, which this server does not trust (MICROMEGAS_OIDC_CONFIG)", claims.Issuer)
	}
	v, err := is.verifierFor(ctx, o)
	if err != nil {
		return Identity{}, err
	}
	tok, err := v.Verify(ctx, c.Bearer)
	if err != nil {
		var expired *oidc.TokenExpiredError
		if errors.As(err, &expired) {
			return Identity{}, fmt.Errorf("token expired at %s: get a new one (micromegas login)", expired.Expiry.UTC().Format(time.RFC3339))
		}
		if errors.Is(err, ErrUnavailable) {
			return Identity{}, err
		}
		return Identity{}, fmt.Errorf("token refused: %w", err)
	}
	if !audienceMatches(tok.Audience, is.cfg.Audience) {
		return Identity{}, fmt.Errorf("token issued for audience %q, not for this server (%q)", tok.Audience, []string(is.cfg.Audience))
	}
	if claims.NotBefore != 0 && now.Add(clockSkew).Before(time.Unix(int64(claims.NotBefore), 0)) {
		return Identity{}, fmt.Errorf("token not valid before %s (nbf)", time.Unix(int64(claims.NotBefore), 0).UTC().Format(time.RFC3339))
	}
	if claims.IssuedAt != 0 && now.Add(clockSkew).Before(time.Unix(int64(claims.IssuedAt), 0)) {
		return Identity{}, fmt.Errorf("token issued in the future (%s): check the clocks", time.Unix(int64(claims.IssuedAt), 0).UTC().Format(time.RFC3339))
	}
	id := oidcIdentity(tok, claims)
	o.cache.put(c.Bearer, id, now)
	return id, nil
}

// OIDCIdentity returns the identity of a verified OpenID Connect token,
// as the OIDC provider gives it for the same token used as a bearer
// token: the web UI's sign-in makes its sessions with it.
func OIDCIdentity(tok *oidc.IDToken) (Identity, error) {
	var claims jwtClaims
	if err := tok.Claims(&claims); err != nil {
		return Identity{}, fmt.Errorf("read the claims of the token of %q: %w", tok.Issuer, err)
	}
	return oidcIdentity(tok, claims), nil
}

// oidcIdentity is the identity of a verified token and its claims.
func oidcIdentity(tok *oidc.IDToken, claims jwtClaims) Identity {
	return Identity{
		Subject: tok.Subject, Email: claims.email(), Issuer: tok.Issuer, Kind: KindOIDC,
		Scopes: Scopes(ScopeIngest | ScopeQuery), Expires: tok.Expiry,
	}
}

// verifierFor discovers the issuer once and returns its verifier.
func (is *issuer) verifierFor(ctx context.Context, o *OIDC) (*oidc.IDTokenVerifier, error) {
	is.mu.Lock()
	defer is.mu.Unlock()
	if is.verifier != nil {
		return is.verifier, nil
	}
	if is.err != nil && o.now().Sub(is.failedAt) < discoveryRetry {
		return nil, is.err
	}
	dctx, cancel := context.WithTimeout(oidc.ClientContext(context.WithoutCancel(ctx), o.client), 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(dctx, is.cfg.Issuer)
	if err != nil {
		is.err, is.failedAt = fmt.Errorf("%w: discovery of issuer %q failed: %w", ErrUnavailable, is.cfg.Issuer, err), o.now()
		return nil, is.err
	}
	var meta struct {
		JWKSURL string `json:"jwks_uri"`
	}
	if err := p.Claims(&meta); err != nil || meta.JWKSURL == "" {
		is.err, is.failedAt = fmt.Errorf("%w: issuer %q publishes no jwks_uri", ErrUnavailable, is.cfg.Issuer), o.now()
		return nil, is.err
	}
	keys := &keySet{url: meta.JWKSURL, client: o.client, refresh: o.cfg.jwksRefresh(), now: o.now}
	is.verifier = oidc.NewVerifier(is.cfg.Issuer, keys, &oidc.Config{
		SkipClientIDCheck:    true, // audienceMatches checks lists
		SupportedSigningAlgs: []string{oidc.RS256, oidc.ES256},
		Now:                  func() time.Time { return o.now().Add(-clockSkew) },
	})
	is.err = nil
	return is.verifier, nil
}

func audienceMatches(got, want []string) bool {
	for _, w := range want {
		if slices.Contains(got, w) {
			return true
		}
	}
	return false
}

// jwtHeader and jwtClaims are the parts of a token read before its
// signature is checked, to pick the issuer; nothing else trusts them.
type jwtHeader struct {
	Alg string `json:"alg"`
}

type jwtClaims struct {
	Issuer            string  `json:"iss"`
	NotBefore         float64 `json:"nbf"`
	IssuedAt          float64 `json:"iat"`
	Email             string  `json:"email"`
	PreferredUsername string  `json:"preferred_username"`
	UPN               string  `json:"upn"`
}

// email is the first of the email, preferred_username and upn claims.
func (c jwtClaims) email() string {
	for _, v := range []string{c.Email, c.PreferredUsername, c.UPN} {
		if v != "" {
			return v
		}
	}
	return ""
}

// peekJWT decodes the header and claims of a compact JWT without
// checking its signature.
func peekJWT(tok string) (jwtHeader, jwtClaims, error) {
	var h jwtHeader
	var c jwtClaims
	parts := strings.Split(tok, ".")
	if err := decodeSegment(parts[0], &h); err != nil {
		return h, c, fmt.Errorf("malformed token header: %w", err)
	}
	if err := decodeSegment(parts[1], &c); err != nil {
		return h, c, fmt.Errorf("malformed token claims: %w", err)
	}
	return h, c, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return errors.New("not base64url")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errors.New("not a JSON object with the expected claim types")
	}
	return nil
}
