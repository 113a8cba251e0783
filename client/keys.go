package client

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
)

// Custom Flight actions of the analytics service.
const (
	ActionWhoAmI       = "micromegas.whoami"
	ActionCreateAPIKey = "micromegas.create_api_key"
	ActionListAPIKeys  = "micromegas.list_api_keys"
	ActionRevokeAPIKey = "micromegas.revoke_api_key"
)

// Identity is who the server sees making the calls of a client.
type Identity struct {
	Subject string    `json:"subject"`
	Email   string    `json:"email,omitempty"`
	Issuer  string    `json:"issuer,omitempty"`
	Kind    string    `json:"kind"` // "api_key", "oidc" or "anonymous"
	Admin   bool      `json:"admin"`
	Scopes  string    `json:"scopes"` // "ingest,query,admin"
	Expires time.Time `json:"expires,omitzero"`
}

// APIKey describes an API key minted into the catalog; the secret itself
// is only known when it is created (NewAPIKey).
type APIKey struct {
	Name       string    `json:"name"`
	Scope      string    `json:"scope"`
	Creator    string    `json:"creator"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

// KeyRequest asks for a new API key.
type KeyRequest struct {
	Name  string `json:"name"`
	Scope string `json:"scope"` // "ingest", "query" or "admin"
	// ExpiresAt is when the key stops working; zero: never.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// NewAPIKey is a key just minted: Key is its secret, shown once.
type NewAPIKey struct {
	APIKey
	Key string `json:"key"`
}

// RevokeRequest names the key to revoke.
type RevokeRequest struct {
	Name string `json:"name"`
}

// WhoAmI returns the identity the server sees for this client's
// credentials.
func (c *Client) WhoAmI(ctx context.Context) (Identity, error) {
	var id Identity
	return id, c.action(ctx, ActionWhoAmI, nil, &id)
}

// CreateAPIKey mints a key (admins only). The secret is in the result
// and nowhere else: the server keeps its hash.
func (c *Client) CreateAPIKey(ctx context.Context, req KeyRequest) (NewAPIKey, error) {
	var k NewAPIKey
	return k, c.action(ctx, ActionCreateAPIKey, req, &k)
}

// ListAPIKeys lists the keys minted into the catalog, revoked ones too
// (admins only).
func (c *Client) ListAPIKeys(ctx context.Context) ([]APIKey, error) {
	var keys []APIKey
	return keys, c.action(ctx, ActionListAPIKeys, nil, &keys)
}

// RevokeAPIKey revokes the active key of that name (admins only); every
// server refuses it within 10 seconds.
func (c *Client) RevokeAPIKey(ctx context.Context, name string) (APIKey, error) {
	var k APIKey
	return k, c.action(ctx, ActionRevokeAPIKey, RevokeRequest{Name: name}, &k)
}

// action runs a custom Flight action with a JSON request and result.
func (c *Client) action(ctx context.Context, typ string, req, out any) error {
	var body []byte
	if req != nil {
		var err error
		if body, err = json.Marshal(req); err != nil {
			return fmt.Errorf("%s: %w", typ, err)
		}
	}
	stream, err := c.fs.Client.DoAction(ctx, &flight.Action{Type: typ, Body: body})
	if err != nil {
		return fmt.Errorf("%s: %w", typ, err)
	}
	res, err := stream.Recv()
	if err != nil {
		return fmt.Errorf("%s: %w", typ, err)
	}
	if err := json.Unmarshal(res.GetBody(), out); err != nil {
		return fmt.Errorf("%s: decode the answer: %w", typ, err)
	}
	return nil
}
