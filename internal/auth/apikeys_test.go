package auth_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/micromegas-go/micromegas/internal/auth"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/catalog/sqlite"
)

const (
	ciKey      = "ci-key-0123456789abcdef"
	grafanaKey = "grafana-key-0123456789abcdef"
	opsKey     = "ops-key-0123456789abcdef"
)

func TestStaticKeys(t *testing.T) {
	keys, err := auth.ParseStaticKeys(`[{"name": "ci", "key": "` + ciKey + `", "scope": "ingest"},
		{"name": "grafana", "key": "` + grafanaKey + `", "scope": "query"}, {"name": "ops", "key": "` + opsKey + `"}]`)
	if err != nil {
		t.Fatal(err)
	}
	admins, _ := auth.ParseAdmins("ops")
	a := auth.New(admins, nil, keys)
	ctx := context.Background()
	for _, c := range []struct {
		key           string
		name          string
		ingest, query bool
		admin         bool
	}{
		{ciKey, "ci", true, false, false},
		{grafanaKey, "grafana", false, true, false},
		{opsKey, "ops", true, true, true},
	} {
		id, err := a.Authenticate(ctx, bearer(c.key))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if id.Subject != c.name || id.Kind != auth.KindAPIKey || id.Issuer != auth.IssuerAPIKeys ||
			id.Allows(auth.ScopeIngest) != c.ingest || id.Allows(auth.ScopeQuery) != c.query || id.Admin != c.admin {
			t.Errorf("%s: identity %+v", c.name, id)
		}
	}
	for _, bad := range []string{"", ciKey + "x", ciKey[:len(ciKey)-1], strings.ToUpper(ciKey)} {
		if _, err := a.Authenticate(ctx, bearer(bad)); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("key %q: %v, want refused", bad, err)
		}
	}
}

func TestParseStaticKeysErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"name": "x"}`, "JSON list"},
		{`[{"name": "x", "key": "short"}]`, "shorter than"},
		{`[{"key": "` + ciKey + `"}]`, "no name"},
		{`[{"name": "a", "key": "` + ciKey + `"}, {"name": "a", "key": "` + opsKey + `"}]`, "two keys"},
		{`[{"name": "a", "key": "` + ciKey + `", "scope": "write"}]`, "unknown scope"},
		{`[{"name": "a", "key": "has a space in it, 0123456789"}]`, "bearer token"},
		{`[{"name": "a", "key": "looks.like.a-jwt-0123456789"}]`, "two dots"},
		{`[{"name": "a", "key": "` + ciKey + `"`, "invalid JSON"},
	} {
		_, err := auth.ParseStaticKeys(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseStaticKeys(%s) = %v, want an error saying %q", c.in, err, c.want)
		}
		if err != nil && (strings.Contains(err.Error(), ciKey) || strings.Contains(err.Error(), "has a space")) {
			t.Errorf("error repeats a key: %v", err)
		}
	}
}

// openKeyStore is a real SQLite catalog.
func openKeyStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mint(t *testing.T, ks catalog.KeyStore, name, scope string, expires time.Time) string {
	t.Helper()
	key, hash, err := auth.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, auth.KeyPrefix) || len(key) != len(auth.KeyPrefix)+43 || hash != sha256.Sum256([]byte(key)) {
		t.Fatalf("NewKey = %q", key)
	}
	if err := ks.InsertAPIKey(context.Background(), catalog.APIKey{ID: uuid.NewString(), Name: name, Hash: hash[:], Scope: scope, Creator: "test", ExpiresAt: expires}); err != nil {
		t.Fatal(err)
	}
	return key
}

// TestCatalogKeys mints keys into a real catalog: they are accepted with
// their scope, expired and revoked ones are refused, last use is written
// back, and a catalog that stops answering makes keys unavailable rather
// than accepted forever.
func TestCatalogKeys(t *testing.T) {
	store := openKeyStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ingest := mint(t, store, "ingester", "ingest", time.Time{})
	admin := mint(t, store, "root", "admin", time.Time{})
	expired := mint(t, store, "old", "query", time.Now().Add(-time.Minute))
	const refresh = 50 * time.Millisecond
	ck, err := auth.NewCatalogKeys(ctx, store, refresh, nil)
	if err != nil {
		t.Fatal(err)
	}
	go ck.Run(ctx)
	a := auth.New(auth.Admins{}, nil, ck)

	id, err := a.Authenticate(ctx, bearer(ingest))
	if err != nil || id.Subject != "ingester" || id.Issuer != auth.IssuerCatalog || !id.Allows(auth.ScopeIngest) || id.Allows(auth.ScopeQuery) || id.Admin {
		t.Fatalf("ingest key: %+v, %v", id, err)
	}
	if id, err := a.Authenticate(ctx, bearer(admin)); err != nil || !id.Admin || !id.Allows(auth.ScopeQuery) {
		t.Fatalf("admin key: %+v, %v", id, err)
	}
	if _, err := a.Authenticate(ctx, bearer(expired)); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired key: %v", err)
	}

	// Revoked: refused after the next reload (the servers reload every
	// DefaultKeyRefresh = 5 s, well within the 10 s promised).
	if _, err := store.RevokeAPIKey(ctx, "ingester", time.Now()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * refresh)
	for {
		_, err := a.Authenticate(ctx, bearer(ingest))
		if errors.Is(err, auth.ErrUnauthenticated) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("revoked key still accepted after %v: %v", 10*refresh, err)
		}
		time.Sleep(refresh / 5)
	}

	// Last use reaches the catalog.
	deadline = time.Now().Add(10 * refresh)
	for {
		keys, err := store.ListAPIKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var used time.Time
		for _, k := range keys {
			if k.Name == "root" {
				used = k.LastUsedAt
			}
		}
		if !used.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the last use of the admin key was not recorded")
		}
		time.Sleep(refresh / 5)
	}

	// The catalog goes away: keys become unavailable (503), not valid.
	store.Close()
	deadline = time.Now().Add(10 * refresh)
	for {
		_, err := a.Authenticate(ctx, bearer(admin))
		if errors.Is(err, auth.ErrUnavailable) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("with the catalog closed, the key is still: %v", err)
		}
		time.Sleep(refresh / 5)
	}
}
