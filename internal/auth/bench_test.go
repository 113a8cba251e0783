package auth_test

import (
	"context"
	"testing"

	"github.com/micromegas-go/micromegas/internal/auth"
	"github.com/micromegas-go/micromegas/internal/auth/oidctest"
)

// BenchmarkAuthenticate measures the check every request pays: a cached
// OIDC token (hash + map lookup after the first validation) and an API
// key of MICROMEGAS_API_KEYS (hash + constant-time compare with each of
// 10 keys), against the open authenticator as the floor.
func BenchmarkAuthenticate(b *testing.B) {
	p := oidctest.Start(b)
	cfg, err := auth.ParseOIDCConfig(`{"issuers": [{"issuer": "` + p.Issuer + `", "audience": "` + oidctest.ClientID + `"}]}`)
	if err != nil {
		b.Fatal(err)
	}
	keysJSON := "["
	for i := range 10 {
		if i > 0 {
			keysJSON += ","
		}
		keysJSON += `{"name": "k` + string(rune('0'+i)) + `", "key": "key-number-` + string(rune('0'+i)) + `-0123456789abcdef"}`
	}
	keys, err := auth.ParseStaticKeys(keysJSON + "]")
	if err != nil {
		b.Fatal(err)
	}
	chain := auth.New(auth.Admins{}, nil, keys, auth.NewOIDC(cfg, nil))
	ctx := context.Background()
	token := p.Sign(b, p.Claims())
	for _, c := range []struct {
		name   string
		a      *auth.Authenticator
		header func(string) string
	}{
		{"open", auth.Open(), bearer("")},
		{"api_key", chain, bearer("key-number-9-0123456789abcdef")},
		{"oidc_cached", chain, bearer(token)},
	} {
		if _, err := c.a.Authenticate(ctx, c.header); err != nil {
			b.Fatalf("%s: %v", c.name, err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.a.Authenticate(ctx, c.header); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
