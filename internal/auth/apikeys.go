package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// IssuerAPIKeys is the issuer of the identities of MICROMEGAS_API_KEYS.
const IssuerAPIKeys = "api_key"

// minKeyBytes is the shortest API key accepted in MICROMEGAS_API_KEYS.
const minKeyBytes = 16

// StaticKeys are the API keys of MICROMEGAS_API_KEYS. Only their SHA-256
// hashes are kept; a presented token is compared with every one of them,
// in constant time.
type StaticKeys struct {
	keys []staticKey
}

type staticKey struct {
	name   string
	hash   [sha256.Size]byte
	scopes Scopes
}

// ParseStaticKeys reads MICROMEGAS_API_KEYS: a JSON list of
// {"name": ..., "key": ...} objects as the original, with an optional
// "scope" ("ingest", "query" or "admin"); a key without a scope may
// ingest and query. Errors name the entry, never its key.
func ParseStaticKeys(s string) (*StaticKeys, error) {
	var entries []struct {
		Name  string `json:"name"`
		Key   string `json:"key"`
		Scope string `json:"scope"`
	}
	if err := json.Unmarshal([]byte(s), &entries); err != nil {
		return nil, fmt.Errorf(`MICROMEGAS_API_KEYS: want a JSON list such as [{"name": "ci", "key": "<secret>"}]: %w`, jsonSyntaxOnly(err))
	}
	sk := &StaticKeys{}
	seen := map[string]bool{}
	for i, e := range entries {
		switch {
		case strings.TrimSpace(e.Name) == "":
			return nil, fmt.Errorf("MICROMEGAS_API_KEYS: entry %d has no name", i)
		case len(e.Key) < minKeyBytes:
			return nil, fmt.Errorf("MICROMEGAS_API_KEYS: the key of %q is shorter than %d bytes: generate one with `openssl rand -base64 32`", e.Name, minKeyBytes)
		case seen[e.Name]:
			return nil, fmt.Errorf("MICROMEGAS_API_KEYS: two keys are named %q", e.Name)
		}
		if _, err := ParseBearer("Bearer " + e.Key); err != nil {
			return nil, fmt.Errorf("MICROMEGAS_API_KEYS: the key of %q cannot be sent as a bearer token: %w", e.Name, err)
		}
		if looksLikeJWT(e.Key) {
			return nil, fmt.Errorf("MICROMEGAS_API_KEYS: the key of %q has two dots, as a JWT: generate one with `openssl rand -base64 32`", e.Name)
		}
		seen[e.Name] = true
		scopes := Scopes(ScopeIngest | ScopeQuery)
		if e.Scope != "" {
			sc, err := ParseScope(e.Scope)
			if err != nil {
				return nil, fmt.Errorf("MICROMEGAS_API_KEYS: key %q: %w", e.Name, err)
			}
			scopes = Scopes(sc)
		}
		sk.keys = append(sk.keys, staticKey{name: e.Name, hash: sha256.Sum256([]byte(e.Key)), scopes: scopes})
	}
	return sk, nil
}

// jsonSyntaxOnly keeps the position of a JSON error but not the text
// around it, which could hold a key.
func jsonSyntaxOnly(err error) error {
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Errorf("invalid JSON at byte %d", se.Offset)
	}
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		return fmt.Errorf("invalid JSON: %s where %s was expected", te.Value, te.Type)
	}
	return err
}

// Len is the number of keys.
func (s *StaticKeys) Len() int { return len(s.keys) }

// Authenticate implements Provider. Every key is compared, whatever
// matches, so the time taken does not tell which key is closest.
func (s *StaticKeys) Authenticate(_ context.Context, c Credentials) (Identity, error) {
	if c.Bearer == "" || len(s.keys) == 0 || looksLikeJWT(c.Bearer) {
		return Identity{}, ErrNoCredentials
	}
	h := hashToken(c.Bearer)
	match := -1
	for i := range s.keys {
		if subtle.ConstantTimeCompare(h[:], s.keys[i].hash[:]) == 1 && match < 0 {
			match = i
		}
	}
	if match < 0 {
		return Identity{}, ErrNoCredentials
	}
	k := &s.keys[match]
	return Identity{Subject: k.name, Issuer: IssuerAPIKeys, Kind: KindAPIKey, Scopes: k.scopes, Admin: k.scopes&Scopes(ScopeAdmin) != 0}, nil
}

// KeyPrefix starts every API key minted into the catalog, so that people
// and secret scanners recognize them.
const KeyPrefix = "mmk_"

// NewKey returns a new random API key (KeyPrefix and 43 characters of
// base64url: 256 bits) and its SHA-256 hash, which is all the catalog
// keeps.
func NewKey() (key string, hash [sha256.Size]byte, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", hash, fmt.Errorf("new API key: %w", err)
	}
	key = KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return key, sha256.Sum256([]byte(key)), nil
}
