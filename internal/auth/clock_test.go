package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// localIssuer is an OpenID issuer on httptest: discovery and a JWKS whose
// keys the test swaps, counting the JWKS fetches.
type localIssuer struct {
	srv     *httptest.Server
	fetches atomic.Int64
	down    atomic.Bool // the JWKS answers 503

	mu   sync.Mutex
	keys []jose.JSONWebKey // public keys served
}

func newLocalIssuer(t *testing.T) *localIssuer {
	t.Helper()
	is := &localIssuer{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": is.URL(), "jwks_uri": is.URL() + "jwks", "authorization_endpoint": is.URL() + "auth",
			"token_endpoint": is.URL() + "token", "id_token_signing_alg_values_supported": []string{"ES256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		is.fetches.Add(1)
		if is.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		is.mu.Lock()
		set := jose.JSONWebKeySet{Keys: is.keys}
		is.mu.Unlock()
		json.NewEncoder(w).Encode(set)
	})
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

// URL is the issuer, with its trailing slash.
func (is *localIssuer) URL() string { return is.srv.URL + "/" }

// serve makes the JWKS hold the public halves of keys.
func (is *localIssuer) serve(keys ...signingKey) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.keys = is.keys[:0]
	for _, k := range keys {
		is.keys = append(is.keys, jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: string(jose.ES256), Use: "sig"})
	}
}

// signingKey is an ES256 key with its kid.
type signingKey struct {
	kid  string
	priv *ecdsa.PrivateKey
}

func newSigningKey(t *testing.T, kid string) signingKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signingKey{kid: kid, priv: priv}
}

// sign returns a compact JWT of claims signed with k.
func (k signingKey) sign(t *testing.T, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: k.priv, KeyID: k.kid}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// token returns a JWT of is for audience "mm" with subject sub, issued
// at now and expiring after life.
func (is *localIssuer) token(t *testing.T, k signingKey, sub string, now time.Time, life time.Duration) string {
	return k.sign(t, map[string]any{"iss": is.URL(), "sub": sub, "aud": "mm", "iat": now.Unix(), "exp": now.Add(life).Unix()})
}

// bearer returns the credentials of a bearer token.
func bearer(tok string) Credentials {
	return Credentials{Bearer: tok, Header: func(string) string { return "" }}
}

// shortCtx is a context that ends soon: a call that would wait for the
// next allowed JWKS fetch gives up instead.
func shortCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	t.Cleanup(cancel)
	return ctx
}
