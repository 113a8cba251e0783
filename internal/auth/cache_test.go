package auth

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestTokenCacheBounds checks that a cached token is trusted neither past
// its expiry nor past the cache's TTL, whichever comes first.
func TestTokenCacheBounds(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		ttl     time.Duration
		expires time.Time // zero: credentials that do not expire
		at      time.Duration
		hit     bool
	}{
		{"within both", time.Minute, t0.Add(time.Hour), 59 * time.Second, true},
		{"at the TTL", time.Minute, t0.Add(time.Hour), time.Minute, false},
		{"past the TTL", time.Minute, t0.Add(time.Hour), 2 * time.Minute, false},
		{"just before expiry", time.Hour, t0.Add(30 * time.Second), 29 * time.Second, true},
		{"at expiry", time.Hour, t0.Add(30 * time.Second), 30 * time.Second, false},
		{"past expiry, TTL left", time.Hour, t0.Add(30 * time.Second), 31 * time.Second, false},
		{"already expired when put", time.Hour, t0.Add(-time.Second), 0, false},
		{"no expiry: the TTL", time.Minute, time.Time{}, time.Minute, false},
		{"no expiry, within the TTL", time.Minute, time.Time{}, 30 * time.Second, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cache := newTokenCache(10, c.ttl)
			cache.put("tok", Identity{Subject: "s", Expires: c.expires}, t0)
			id, ok := cache.get("tok", t0.Add(c.at))
			if ok != c.hit || (ok && id.Subject != "s") {
				t.Errorf("get at t0+%s: %+v, %v; want hit=%v", c.at, id, ok, c.hit)
			}
			if _, ok := cache.get("tok2", t0); ok {
				t.Error("another token hit the cache")
			}
		})
	}
}

// TestTokenCacheSize checks that the cache never holds more than its
// size, drops expired entries first, and keeps nothing with size 0.
func TestTokenCacheSize(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := newTokenCache(3, time.Hour)
	c.put("old", Identity{Subject: "old", Expires: t0.Add(time.Second)}, t0)
	c.put("a", Identity{Subject: "a"}, t0)
	c.put("b", Identity{Subject: "b"}, t0)
	later := t0.Add(time.Minute) // "old" has expired
	c.put("c", Identity{Subject: "c"}, later)
	for _, tok := range []string{"a", "b", "c"} {
		if _, ok := c.get(tok, later); !ok {
			t.Errorf("%s was dropped while an expired entry was there", tok)
		}
	}
	for i := range 10 {
		c.put(fmt.Sprint("t", i), Identity{}, later)
	}
	if n := len(c.entries); n > 3 {
		t.Errorf("the cache holds %d entries, more than its size 3", n)
	}
	if _, ok := c.get("t9", later); !ok {
		t.Error("the token just put is not in a full cache")
	}
	off := newTokenCache(0, time.Hour)
	off.put("x", Identity{}, t0)
	if _, ok := off.get("x", t0); ok {
		t.Error("a cache of size 0 kept a token")
	}
}

// TestOIDCCacheNeverOutlivesToken checks the cache through the OIDC
// provider and a real issuer (discovery and JWKS on httptest), with a
// fake clock: within the TTL a cached token is accepted without a new
// check, past the TTL it is checked again (and refused once its key is
// gone), and past its expiry it is refused even with a long TTL.
func TestOIDCCacheNeverOutlivesToken(t *testing.T) {
	ctx := context.Background()
	t.Run("TTL", func(t *testing.T) {
		is := newLocalIssuer(t)
		k := newSigningKey(t, "k1")
		is.serve(k)
		clock := newFakeClock()
		o := newTestOIDC(t, is, `"token_cache_ttl_secs": 60, "jwks_refresh_interval_secs": 1`, clock)
		tok := is.token(t, k, "svc", clock.Now(), time.Hour)
		if _, err := o.Authenticate(ctx, bearer(tok)); err != nil {
			t.Fatalf("a fresh token: %v", err)
		}
		is.serve() // the issuer drops the key: only a new check can tell
		clock.Advance(30 * time.Second)
		if id, err := o.Authenticate(ctx, bearer(tok)); err != nil || id.Subject != "svc" {
			t.Fatalf("within the TTL (cached): %+v, %v", id, err)
		}
		clock.Advance(31 * time.Second)
		if _, err := o.Authenticate(ctx, bearer(tok)); err == nil || !strings.Contains(err.Error(), "does not verify") {
			t.Fatalf("past the TTL with the key gone: %v, want a refusal from a new check", err)
		}
	})
	t.Run("expiry", func(t *testing.T) {
		is := newLocalIssuer(t)
		k := newSigningKey(t, "k1")
		is.serve(k)
		clock := newFakeClock()
		o := newTestOIDC(t, is, `"token_cache_ttl_secs": 86400`, clock)
		tok := is.token(t, k, "svc", clock.Now(), 2*time.Minute)
		if _, err := o.Authenticate(ctx, bearer(tok)); err != nil {
			t.Fatalf("a fresh token: %v", err)
		}
		clock.Advance(2*time.Minute + clockSkew + time.Second)
		if _, err := o.Authenticate(ctx, bearer(tok)); err == nil || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("past its expiry, with a day of TTL: %v, want expired", err)
		}
	})
}

// newTestOIDC returns the provider of issuer is for audience "mm", with
// extra fields in its configuration, on clock.
func newTestOIDC(t *testing.T, is *localIssuer, extra string, clock *fakeClock) *OIDC {
	t.Helper()
	cfg := `{"issuers": [{"issuer": "` + is.URL() + `", "audience": "mm"}]`
	if extra != "" {
		cfg += ", " + extra
	}
	oc, err := ParseOIDCConfig(cfg + "}")
	if err != nil {
		t.Fatal(err)
	}
	o := NewOIDC(oc, nil)
	o.now = clock.Now
	return o
}
