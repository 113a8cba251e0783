package auth

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestKeySetRefresh checks the periodic refresh of an issuer's keys with
// a fake clock: fetched on first use, not again within the refresh
// interval, again once it has passed; a failed refresh keeps the keys
// already held.
func TestKeySetRefresh(t *testing.T) {
	ctx := context.Background()
	is := newLocalIssuer(t)
	k1 := newSigningKey(t, "k1")
	is.serve(k1)
	clock := newFakeClock()
	ks := &keySet{url: is.URL() + "jwks", client: http.DefaultClient, refresh: time.Hour, now: clock.Now}
	tok := is.token(t, k1, "svc", clock.Now(), 24*time.Hour)

	steps := []struct {
		name    string
		advance time.Duration
		fetches int64
	}{
		{"first use fetches", 0, 1},
		{"within the interval", 59 * time.Minute, 1},
		{"once the interval passed", time.Minute, 2},
		{"right after the refresh", time.Second, 2},
		{"the next interval", time.Hour, 3},
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		if _, err := ks.VerifySignature(ctx, tok); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := is.fetches.Load(); got != s.fetches {
			t.Fatalf("%s: %d JWKS fetches, want %d", s.name, got, s.fetches)
		}
	}

	// The issuer goes down: the keys held still verify, and it is asked
	// again at the next use.
	is.down.Store(true)
	clock.Advance(time.Hour)
	if _, err := ks.VerifySignature(ctx, tok); err != nil {
		t.Fatalf("the issuer down at refresh: %v, want the keys held", err)
	}
	if got := is.fetches.Load(); got != 4 {
		t.Fatalf("%d fetches, want 4 (the failed refresh)", got)
	}
}

// TestKeySetUnknownKidLimit checks the refetches caused by tokens naming
// a key the set lacks: a rotated key is picked up at once, but another
// unknown key within minMissRefetch does not reach the issuer (the call
// waits, here until its context ends), even from many goroutines; after
// the interval the issuer is asked again.
func TestKeySetUnknownKidLimit(t *testing.T) {
	ctx := context.Background()
	is := newLocalIssuer(t)
	k1, k2 := newSigningKey(t, "k1"), newSigningKey(t, "k2")
	is.serve(k1)
	clock := newFakeClock()
	ks := &keySet{url: is.URL() + "jwks", client: http.DefaultClient, refresh: time.Hour, now: clock.Now}
	if _, err := ks.VerifySignature(ctx, is.token(t, k1, "svc", clock.Now(), time.Hour)); err != nil {
		t.Fatal(err)
	}

	// Rotation: k2 is published and a token signed with it arrives.
	is.serve(k1, k2)
	if _, err := ks.VerifySignature(ctx, is.token(t, k2, "svc", clock.Now(), time.Hour)); err != nil {
		t.Fatalf("a token of the rotated key: %v", err)
	}
	if got := is.fetches.Load(); got != 2 {
		t.Fatalf("%d fetches after the rotation, want 2", got)
	}

	// A flood of forged tokens naming unknown keys, within 5 s.
	forged := newSigningKey(t, "forged")
	tok := is.token(t, forged, "mallory", clock.Now(), time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := ks.VerifySignature(shortCtx(t), tok)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	var waited int
	for err := range errs {
		switch {
		case err == nil:
			t.Fatal("a forged token verified")
		case errors.Is(err, ErrUnavailable):
			waited++
		}
	}
	if got := is.fetches.Load(); got != 2 {
		t.Fatalf("%d fetches after 20 tokens of an unknown key within %s of the last miss, want still 2", got, minMissRefetch)
	}
	if waited != 20 {
		t.Errorf("%d of 20 calls waited for the next allowed fetch, want all", waited)
	}

	clock.Advance(minMissRefetch - time.Millisecond)
	if _, err := ks.VerifySignature(shortCtx(t), tok); !errors.Is(err, ErrUnavailable) || is.fetches.Load() != 2 {
		t.Fatalf("just before %s: %v, %d fetches; want a wait and no fetch", minMissRefetch, err, is.fetches.Load())
	}
	clock.Advance(time.Millisecond)
	if _, err := ks.VerifySignature(shortCtx(t), tok); err == nil || errors.Is(err, ErrUnavailable) {
		t.Fatalf("after %s: %v, want a refusal of the signature", minMissRefetch, err)
	}
	if got := is.fetches.Load(); got != 3 {
		t.Fatalf("%d fetches after the interval, want 3", got)
	}
}
