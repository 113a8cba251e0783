package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// signingAlgs are the only JWT signature algorithms accepted: "none" and
// the HMAC family (HS256 signed with a public key) are refused.
var signingAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}

// minMissRefetch is the shortest time between two fetches of a JWKS
// caused by tokens signed with an unknown key: a rotated key is picked up
// at once, and a flood of forged tokens does not become a flood of
// requests to the issuer.
const minMissRefetch = 5 * time.Second

// keySet is the JSON Web Key Set of an issuer, an oidc.KeySet. It is
// fetched on first use, again every refresh interval, and when a token
// names a key it does not hold (at most every minMissRefetch).
// go-oidc's RemoteKeySet refetches for every such token, which is why
// this one exists.
type keySet struct {
	url     string
	client  *http.Client
	refresh time.Duration
	now     func() time.Time

	mu      sync.Mutex
	keys    []jose.JSONWebKey
	fetched time.Time // of the last successful fetch
	missAt  time.Time // of the last fetch caused by an unknown key
}

// VerifySignature implements oidc.KeySet.
func (k *keySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(raw, signingAlgs)
	if err != nil {
		return nil, fmt.Errorf("malformed token: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("the token must have exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	keys, err := k.keysFor(ctx, kid)
	if err != nil {
		return nil, err
	}
	for i := range keys {
		if kid == "" || keys[i].KeyID == kid {
			if payload, err := jws.Verify(&keys[i]); err == nil {
				return payload, nil
			}
		}
	}
	return nil, errors.New("the token's signature does not verify with the issuer's keys (tampered, or signed by another key)")
}

// keysFor returns the keys, fetching them when they are old or lack kid.
// A token naming an unknown key within minMissRefetch of the last such
// fetch waits for the end of that interval (or ctx) and fetches then:
// the issuer sees at most one such request per interval, and a token
// signed with a just-rotated key is only delayed.
func (k *keySet) keysFor(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	for {
		k.mu.Lock()
		now := k.now()
		missing := kid != "" && !hasKey(k.keys, kid)
		var wait time.Duration
		switch {
		case k.fetched.IsZero(), now.Sub(k.fetched) >= k.refresh:
		case !missing:
			keys := k.keys
			k.mu.Unlock()
			return keys, nil
		case now.Sub(k.missAt) >= minMissRefetch:
			k.missAt = now
		default:
			wait = minMissRefetch - now.Sub(k.missAt)
		}
		if wait > 0 {
			k.mu.Unlock()
			t := time.NewTimer(wait)
			select {
			case <-t.C:
				continue
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("%w: waiting to fetch the issuer's keys: %w", ErrUnavailable, ctx.Err())
			}
		}
		keys, err := k.fetch(ctx)
		switch {
		case err == nil:
			k.keys, k.fetched = keys, now
		case k.fetched.IsZero():
			k.mu.Unlock()
			return nil, fmt.Errorf("%w: fetch the issuer's signing keys: %w", ErrUnavailable, err)
		}
		keys = k.keys // on error, the keys we have until the issuer answers
		k.mu.Unlock()
		return keys, nil
	}
}

func hasKey(keys []jose.JSONWebKey, kid string) bool {
	for i := range keys {
		if keys[i].KeyID == kid {
			return true
		}
	}
	return false
}

func (k *keySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", k.url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", k.url, resp.Status)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("decode %s: %w", k.url, err)
	}
	return set.Keys, nil
}
