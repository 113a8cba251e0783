package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/micromegas-go/micromegas/client"
	"github.com/micromegas-go/micromegas/internal/auth"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/flightsql"
)

// actions are the custom Flight actions of the analytics service: who the
// caller is, and the management of API keys (admins only).
func (a *App) actions() map[string]flightsql.Action {
	return map[string]flightsql.Action{
		client.ActionWhoAmI:       {Description: "the identity the server sees", Do: whoAmI},
		client.ActionCreateAPIKey: {Description: "mint an API key (admins)", Do: a.createKey},
		client.ActionListAPIKeys:  {Description: "list the API keys (admins)", Do: a.listKeys},
		client.ActionRevokeAPIKey: {Description: "revoke an API key (admins)", Do: a.revokeKey},
	}
}

func whoAmI(ctx context.Context, _ []byte) ([]byte, error) {
	id, _ := auth.FromContext(ctx)
	return json.Marshal(client.Identity{
		Subject: id.Subject, Email: id.Email, Issuer: id.Issuer, Kind: id.Kind.String(),
		Admin: id.Admin, Scopes: scopesOf(id), Expires: id.Expires,
	})
}

func scopesOf(id auth.Identity) string {
	if id.Admin {
		return auth.AllScopes.String()
	}
	return id.Scopes.String()
}

// requireAdmin refuses callers that are not admins.
func requireAdmin(ctx context.Context, what string) (auth.Identity, error) {
	id, _ := auth.FromContext(ctx)
	if !id.Admin {
		return id, status.Errorf(codes.PermissionDenied, "%s is reserved to admins, and %s is not one (MICROMEGAS_ADMINS, or an admin-scoped key)", what, id.Name())
	}
	return id, nil
}

func (a *App) keyStore() (catalog.KeyStore, error) {
	ks, ok := a.catalog.(catalog.KeyStore)
	if !ok {
		return nil, status.Error(codes.Unimplemented, "this catalog cannot hold API keys")
	}
	return ks, nil
}

func (a *App) createKey(ctx context.Context, body []byte) (out []byte, err error) {
	var req client.KeyRequest
	defer func() { a.audit.Admin(ctx, "create_api_key", err, "name", req.Name, "scope", req.Scope) }()
	id, err := requireAdmin(ctx, "minting API keys")
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, `want {"name": ..., "scope": "ingest|query|admin", "expires_at"?: RFC3339}: %v`, err)
	}
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" || len(req.Name) > 128 {
		return nil, status.Error(codes.InvalidArgument, "a key needs a name of 1 to 128 characters (who or what will use it)")
	}
	if _, err := auth.ParseScope(req.Scope); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if !req.ExpiresAt.IsZero() && !req.ExpiresAt.After(time.Now()) {
		return nil, status.Error(codes.InvalidArgument, "the expiry is in the past")
	}
	ks, err := a.keyStore()
	if err != nil {
		return nil, err
	}
	secret, hash, err := auth.NewKey()
	if err != nil {
		return nil, err
	}
	k := catalog.APIKey{ID: uuid.NewString(), Name: req.Name, Hash: hash[:], Scope: strings.ToLower(req.Scope), Creator: id.Name(), ExpiresAt: req.ExpiresAt}
	if err := ks.InsertAPIKey(ctx, k); err != nil {
		if errors.Is(err, catalog.ErrConflict) {
			return nil, status.Errorf(codes.AlreadyExists, "an active key is named %q: revoke it first or choose another name", req.Name)
		}
		return nil, err
	}
	if a.keys != nil {
		if err := a.keys.Reload(ctx); err != nil {
			a.log.Warn("reload API keys after minting one", "err", err)
		}
	}
	keys, err := ks.ListAPIKeys(ctx)
	if err != nil {
		return nil, err
	}
	for _, got := range keys {
		if got.ID == k.ID {
			return json.Marshal(client.NewAPIKey{APIKey: keyInfo(got), Key: secret})
		}
	}
	return nil, fmt.Errorf("the key %q was stored but cannot be read back", req.Name)
}

func (a *App) listKeys(ctx context.Context, _ []byte) (out []byte, err error) {
	defer func() { a.audit.Admin(ctx, "list_api_keys", err) }()
	if _, err := requireAdmin(ctx, "listing API keys"); err != nil {
		return nil, err
	}
	ks, err := a.keyStore()
	if err != nil {
		return nil, err
	}
	keys, err := ks.ListAPIKeys(ctx)
	if err != nil {
		return nil, err
	}
	infos := make([]client.APIKey, len(keys))
	for i, k := range keys {
		infos[i] = keyInfo(k)
	}
	return json.Marshal(infos)
}

func (a *App) revokeKey(ctx context.Context, body []byte) (out []byte, err error) {
	var req client.RevokeRequest
	defer func() { a.audit.Admin(ctx, "revoke_api_key", err, "name", req.Name) }()
	if _, err := requireAdmin(ctx, "revoking API keys"); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Name == "" {
		return nil, status.Error(codes.InvalidArgument, `want {"name": "<key name>"}`)
	}
	ks, err := a.keyStore()
	if err != nil {
		return nil, err
	}
	k, err := ks.RevokeAPIKey(ctx, req.Name, time.Now())
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "no active API key is named %q (micromegas keys list)", req.Name)
	}
	if err != nil {
		return nil, err
	}
	if a.keys != nil {
		if err := a.keys.Reload(ctx); err != nil {
			a.log.Warn("reload API keys after revoking one", "err", err)
		}
	}
	return json.Marshal(keyInfo(k))
}

func keyInfo(k catalog.APIKey) client.APIKey {
	return client.APIKey{Name: k.Name, Scope: k.Scope, Creator: k.Creator, CreatedAt: k.CreatedAt,
		ExpiresAt: k.ExpiresAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt}
}

// Ingest stores bulk-ingested rows (FlightSQL DoPut), for admins only:
// it writes the catalog and the object store directly.
func (q querier) Ingest(ctx context.Context, table string, rdr array.RecordReader) (n int64, err error) {
	defer func() {
		if q.audit != nil {
			q.audit.Admin(ctx, "bulk_ingest", err, "table", table, "rows", n)
		}
	}()
	if _, err := requireAdmin(ctx, "bulk ingestion (DoPut)"); err != nil {
		return 0, err
	}
	return q.ingester.Ingest(ctx, table, rdr)
}
