package auth_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/auth"
	"github.com/micromegas-go/micromegas/internal/auth/oidctest"
)

// oidcAuthenticator trusts the provider for oidctest.ClientID.
func oidcAuthenticator(t *testing.T, p *oidctest.Provider, admins string) *auth.Authenticator {
	t.Helper()
	cfg, err := auth.ParseOIDCConfig(`{"issuers": [{"issuer": "` + p.Issuer + `", "audience": ["other-app", "` + oidctest.ClientID + `"]}]}`)
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.ParseAdmins(admins)
	if err != nil {
		t.Fatal(err)
	}
	return auth.New(a, nil, auth.NewOIDC(cfg, nil))
}

// bearer returns the header function of a request carrying tok (none
// when empty).
func bearer(tok string) func(string) string {
	value := ""
	if tok != "" {
		value = "Bearer " + tok
	}
	return func(name string) string {
		if name == "authorization" {
			return value
		}
		return ""
	}
}

// hs256 signs claims with HMAC-SHA256 and secret.
func hs256(claims map[string]any, kid string, secret []byte) string {
	unsigned := oidctest.Unsigned(claims, "HS256", kid, nil)
	unsigned = unsigned[:strings.LastIndex(unsigned, ".")]
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(unsigned))
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// TestOIDCRefusals signs tokens with the key the real provider publishes
// and checks each kind of bad token is refused with its reason.
func TestOIDCRefusals(t *testing.T) {
	p := oidctest.Start(t)
	a := oidcAuthenticator(t, p, "")
	ctx := context.Background()
	with := func(change func(c map[string]any)) map[string]any {
		c := p.Claims()
		change(c)
		return c
	}
	valid := p.Sign(t, p.Claims())
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"`+p.Issuer+`","sub":"admin","aud":"`+oidctest.ClientID+`","exp":9999999999}`)) + "." + parts[2]
	cases := []struct {
		name, token, reason string
	}{
		{"no token", "", "no credentials"},
		{"wrong key", "not-a-key-this-server-knows-0123456789", "invalid token"},
		{"expired", p.Sign(t, with(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() })), "expired"},
		{"not yet valid", p.Sign(t, with(func(c map[string]any) { c["nbf"] = time.Now().Add(time.Hour).Unix() })), "nbf"},
		{"not yet valid by two minutes", p.Sign(t, with(func(c map[string]any) { c["nbf"] = time.Now().Add(2 * time.Minute).Unix() })), "nbf"},
		{"wrong audience", p.Sign(t, with(func(c map[string]any) { c["aud"] = "someone-else" })), "audience"},
		{"wrong issuer", p.Sign(t, with(func(c map[string]any) { c["iss"] = "https://evil.example.com/" })), "does not trust"},
		{"tampered signature", tampered, "signature"},
		{"alg none", oidctest.Unsigned(p.Claims(), "none", p.KeyID(), nil), `alg "none"`},
		{"HS256 signed with the public key", hs256(p.Claims(), p.KeyID(), p.PublicKeyPEM()), `alg "HS256"`},
		{"malformed", "a.b.c", "malformed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := a.Authenticate(ctx, bearer(c.token))
			if !errors.Is(err, auth.ErrUnauthenticated) || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("error %v, want Unauthenticated saying %q", err, c.reason)
			}
			if c.token != "" && strings.Contains(err.Error(), c.token) {
				t.Fatalf("the error repeats the token")
			}
		})
	}
	// The same provider's valid token passes: the refusals above are not
	// a broken setup.
	id, err := a.Authenticate(ctx, bearer(valid))
	if err != nil {
		t.Fatalf("valid token: %v", err)
	}
	if id.Subject != oidctest.Subject || id.Email != oidctest.Email || id.Kind != auth.KindOIDC || id.Issuer != p.Issuer || id.Admin {
		t.Errorf("identity %+v", id)
	}
	if !id.Allows(auth.ScopeQuery) || !id.Allows(auth.ScopeIngest) || id.Allows(auth.ScopeAdmin) {
		t.Errorf("scopes of a person: %s", id.Scopes)
	}
}

// TestOIDCClaimsAndAdmins checks the email fallbacks and that
// MICROMEGAS_ADMINS makes admins by email or subject.
func TestOIDCClaimsAndAdmins(t *testing.T) {
	p := oidctest.Start(t)
	a := oidcAuthenticator(t, p, `["boss@example.com", "svc-robot"]`)
	for _, c := range []struct {
		name   string
		claims map[string]any
		email  string
		admin  bool
	}{
		{"email", map[string]any{"email": "boss@example.com"}, "boss@example.com", true},
		{"preferred_username", map[string]any{"email": nil, "preferred_username": "Boss@Example.com"}, "Boss@Example.com", true},
		{"upn", map[string]any{"email": nil, "upn": "someone@corp"}, "someone@corp", false},
		{"admin by subject", map[string]any{"email": nil, "sub": "svc-robot"}, "", true},
	} {
		claims := p.Claims()
		for k, v := range c.claims {
			if v == nil {
				delete(claims, k)
			} else {
				claims[k] = v
			}
		}
		id, err := a.Authenticate(context.Background(), bearer(p.Sign(t, claims)))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if id.Email != c.email || id.Admin != c.admin {
			t.Errorf("%s: email %q admin %v, want %q %v", c.name, id.Email, id.Admin, c.email, c.admin)
		}
	}
}

// FuzzOIDCToken feeds arbitrary bearer tokens to the OIDC provider (its
// unverified peek at the header and claims reads network input): it must
// never panic nor accept one. The trusted issuer does not answer, so no
// token can be verified.
func FuzzOIDCToken(f *testing.F) {
	cfg, err := auth.ParseOIDCConfig(`{"issuers": [{"issuer": "http://127.0.0.1:1/", "audience": "x"}]}`)
	if err != nil {
		f.Fatal(err)
	}
	a := auth.New(auth.Admins{}, nil, auth.NewOIDC(cfg, nil))
	enc := base64.RawURLEncoding.EncodeToString
	for _, s := range []string{
		"a.b.c", "..", enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(`{"iss":"http://127.0.0.1:1/"}`)) + ".sig",
		enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(`{"iss":1}`)) + ".",
		enc([]byte(`{"alg":"ES256"}`)) + "." + enc([]byte(`{"iss":"x","nbf":1e300}`)) + ".AAAA",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		id, err := a.Authenticate(context.Background(), bearer(tok))
		if err == nil {
			t.Fatalf("token %q accepted as %+v", tok, id)
		}
	})
}
