package auth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/micromegas-go/micromegas/internal/auth"
	"github.com/micromegas-go/micromegas/internal/auth/hydratest"
	"github.com/micromegas-go/micromegas/internal/clientauth"
)

// TestHydraServiceAccount gets JWT access tokens from Ory Hydra with the
// client credentials grant (clientauth, by issuer discovery), checks the
// server accepts them, refuses those for another audience, and keeps
// accepting new tokens after Hydra rotates its signing key, to an RS256
// key and then to an ES256 one.
func TestHydraServiceAccount(t *testing.T) {
	h := hydratest.Start(t)
	h.CreateClient(t, "ingestor", "ingestor-secret-0123456789", "micromegas", "elsewhere")
	cfg, err := auth.ParseOIDCConfig(`{"issuers": [{"issuer": "` + h.Issuer + `", "audience": "micromegas"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	a := auth.New(auth.Admins{}, nil, auth.NewOIDC(cfg, nil))
	ctx := context.Background()
	token := func(audience string) string {
		t.Helper()
		src, err := clientauth.Env{Issuer: h.Issuer, ClientID: "ingestor", ClientSecret: "ingestor-secret-0123456789", Audience: audience}.Source(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := src.Token()
		if err != nil {
			t.Fatalf("client credentials: %v", err)
		}
		return tok.AccessToken
	}
	check := func(tok, wantAlg string) {
		t.Helper()
		if alg := jwtAlg(t, tok); alg != wantAlg {
			t.Fatalf("token signed with %s, want %s", alg, wantAlg)
		}
		id, err := a.Authenticate(ctx, bearer(tok))
		if err != nil {
			t.Fatalf("%s token of Hydra refused: %v", wantAlg, err)
		}
		if id.Subject != "ingestor" || id.Kind != auth.KindOIDC || id.Issuer != h.Issuer {
			t.Fatalf("identity %+v", id)
		}
	}
	check(token("micromegas"), "RS256")
	if _, err := a.Authenticate(ctx, bearer(token("elsewhere"))); err == nil || !strings.Contains(err.Error(), "audience") {
		t.Fatalf("token for another audience: %v", err)
	}
	h.RotateKey(t, "rotated-rs256", "RS256")
	check(token("micromegas"), "RS256")
	h.RotateKey(t, "rotated-es256", "ES256")
	check(token("micromegas"), "ES256")
}

func jwtAlg(t *testing.T, tok string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Alg string `json:"alg"`
	}
	json.Unmarshal(b, &h)
	return h.Alg
}
