package clientauth

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEnvSource(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "tokens.json")
	if err := (Tokens{Issuer: "https://issuer", ClientID: "cli", IDToken: "id.token.x", Expiry: time.Now().Add(time.Hour)}).Save(tokenFile); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		env     Env
		bearer  string // "" for no source
		wantErr string
	}{
		{"nothing", Env{}, "", ""},
		{"api key", Env{APIKey: "k-0123", ClientID: "svc", ClientSecret: "s"}, "k-0123", ""},
		{"secret without id", Env{ClientSecret: "s"}, "", "MICROMEGAS_OIDC_CLIENT_ID"},
		{"id and secret without endpoint", Env{ClientID: "svc", ClientSecret: "s"}, "", "MICROMEGAS_OIDC_TOKEN_ENDPOINT"},
		{"login tokens", Env{TokenFile: tokenFile, UseTokenFile: true}, "id.token.x", ""},
		{"login tokens, same client with a secret", Env{TokenFile: tokenFile, UseTokenFile: true, ClientID: "cli", ClientSecret: "s", Issuer: "https://issuer"}, "id.token.x", ""},
		{"login tokens not used by the sink", Env{TokenFile: tokenFile}, "", ""},
		{"no token file", Env{TokenFile: filepath.Join(dir, "none.json"), UseTokenFile: true}, "", ""},
	} {
		src, err := c.env.Source(ctx)
		switch {
		case c.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: error %v, want one naming %s", c.name, err, c.wantErr)
			}
		case err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.bearer == "" && src != nil:
			t.Errorf("%s: a source, want none", c.name)
		case c.bearer != "":
			if src == nil {
				t.Fatalf("%s: no source", c.name)
			}
			tok, err := src.Token()
			if err != nil || tok.AccessToken != c.bearer {
				t.Errorf("%s: token %v, %v; want %q", c.name, tok, err, c.bearer)
			}
		}
	}
}

func TestTokensSave(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home", ".micromegas")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tokens.json")
	if err := (Tokens{IDToken: "a.b.c", RefreshToken: "r"}).Save(path); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	di, _ := os.Stat(dir)
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Errorf("modes: file %v, folder %v; want 0600 and 0700 (an existing folder is restricted)", fi.Mode(), di.Mode())
	}
	os.WriteFile(path, []byte("{not json"), 0o600)
	if _, err := LoadTokens(path); err == nil || !strings.Contains(err.Error(), "login again") {
		t.Errorf("damaged file: %v", err)
	}
}

func TestTLSConfig(t *testing.T) {
	if cfg, err := TLSConfig(""); err != nil || cfg.RootCAs != nil {
		t.Errorf("no CA file: %v, %v; want the system roots", cfg, err)
	}
	if _, err := TLSConfig(filepath.Join(t.TempDir(), "missing.pem")); err == nil || !strings.Contains(err.Error(), EnvCAFile) {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o600)
	if _, err := TLSConfig(bad); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("not PEM: %v", err)
	}
}
