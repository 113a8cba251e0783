// Package oidctest runs a real OpenID provider in the test process: the
// zitadel/oidc example OP (github.com/zitadel/oidc/v3, example/server), on
// 127.0.0.1 and a free port. It serves discovery, JWKS, the authorization
// code flow with PKCE (through its login form), refresh tokens and
// id_tokens signed with a key the test holds, so tests can also sign
// tokens the provider would never issue (expired, wrong audience, ...)
// with the key the provider publishes.
package oidctest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// ClientID is the public (PKCE) client registered with the provider; its
// redirect URI is http://127.0.0.1/callback on any port.
const ClientID = "micromegas-cli"

// The user of the login form.
const (
	Password = "verysecure"
	Subject  = "id1"
	Email    = "test-user@zitadel.ch"
)

// Provider is a running OpenID provider.
type Provider struct {
	// Issuer is the issuer URL, "http://127.0.0.1:PORT/" with its
	// trailing slash, exactly as the tokens' iss claim holds it.
	Issuer string
	// Username is the login of the test user.
	Username string
	key      *rsa.PrivateKey
	keyID    string
}

// Start runs a provider until the test ends.
func Start(t testing.TB) *Provider {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("oidctest: listen: %v", err)
	}
	issuer := "http://" + lis.Addr().String() + "/"
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{Issuer: issuer, key: key, keyID: "oidctest-key", Username: "test-user@127.0.0.1"}
	users := storage.NewUserStore(issuer)
	clients := map[string]*storage.Client{ClientID: storage.NativeClient(ClientID, "http://127.0.0.1/callback")}
	st := &keyedStorage{Storage: storage.NewStorageWithClients(users, clients), p: p}
	srv := &http.Server{Handler: exampleop.SetupServer(issuer, st, nil, false), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(lis)
	t.Cleanup(func() { srv.Close() })
	return p
}

// keyedStorage is the example storage signing with the provider's key.
type keyedStorage struct {
	*storage.Storage
	p *Provider
}

type signingKey struct{ p *Provider }

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.p.key }
func (k signingKey) ID() string                                  { return k.p.keyID }

type publicKey struct{ p *Provider }

func (k publicKey) ID() string                         { return k.p.keyID }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.p.key.PublicKey }

func (s *keyedStorage) SigningKey(context.Context) (op.SigningKey, error) {
	return signingKey{s.p}, nil
}

func (s *keyedStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *keyedStorage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{s.p}}, nil
}

// Claims returns the claims of a valid id_token of the test user for
// ClientID, for tests to change before Sign.
func (p *Provider) Claims() map[string]any {
	now := time.Now()
	return map[string]any{
		"iss": p.Issuer, "sub": Subject, "aud": ClientID, "email": Email,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
}

// Sign returns a JWT of claims signed with the provider's key (RS256,
// its key id).
func (p *Provider) Sign(t testing.TB, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: p.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", p.keyID))
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

// PublicKeyPEM returns the provider's public key in PEM, the bytes an
// attacker uses as the HMAC secret of an HS256 token (the algorithm
// confusion attack).
func (p *Provider) PublicKeyPEM() []byte {
	der, _ := x509.MarshalPKIXPublicKey(&p.key.PublicKey)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// Unsigned returns a JWT of claims with header alg (e.g. "none" or
// "HS256") and the given signature bytes, as forged tokens are.
func Unsigned(claims map[string]any, alg, kid string, sig []byte) string {
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT", "kid": kid})
	c, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	return enc(h) + "." + enc(c) + "." + enc(sig)
}

// KeyID is the id of the provider's signing key.
func (p *Provider) KeyID() string { return p.keyID }

// Browser returns a function that plays the user's browser for
// clientauth.LoginOptions.OpenURL: it opens the authorization URL, fills
// the provider's login form with the test user and follows the redirects
// back to the login's loopback listener. It fails the test on any error.
func (p *Provider) Browser(t testing.TB) func(string) error {
	return func(authURL string) error {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
		resp, err := c.Get(authURL)
		if err != nil {
			return fmt.Errorf("browser: open %s: %w", authURL, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		id := resp.Request.URL.Query().Get("authRequestID")
		if resp.StatusCode != http.StatusOK || id == "" || !strings.Contains(string(body), `name="password"`) {
			return fmt.Errorf("browser: no login form at %s (%s): %.300s", resp.Request.URL, resp.Status, body)
		}
		form := url.Values{"id": {id}, "username": {p.Username}, "password": {Password}}
		resp, err = c.PostForm(strings.TrimSuffix(p.Issuer, "/")+"/login/username", form)
		if err != nil {
			return fmt.Errorf("browser: post the login form: %w", err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "succeeded") {
			return errors.New("browser: the login did not come back to the callback: " + resp.Status + " " + string(body))
		}
		return nil
	}
}
