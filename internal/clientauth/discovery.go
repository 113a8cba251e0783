package clientauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Endpoints are the OAuth2 endpoints of an issuer.
type Endpoints struct {
	Issuer        string `json:"issuer"`
	Authorization string `json:"authorization_endpoint"`
	Token         string `json:"token_endpoint"`
}

// Discover reads the endpoints of issuer from its
// /.well-known/openid-configuration document.
func Discover(ctx context.Context, client *http.Client, issuer string) (Endpoints, error) {
	var ep Endpoints
	url := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return ep, fmt.Errorf("discover issuer %q: %w", issuer, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return ep, fmt.Errorf("discover issuer %q: %w", issuer, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return ep, fmt.Errorf("discover issuer %q: %w", issuer, err)
	}
	if resp.StatusCode != http.StatusOK {
		return ep, fmt.Errorf("discover issuer %q: GET %s: %s", issuer, url, resp.Status)
	}
	if err := json.Unmarshal(body, &ep); err != nil {
		return ep, fmt.Errorf("discover issuer %q: decode %s: %w", issuer, url, err)
	}
	if ep.Token == "" {
		return ep, fmt.Errorf("discover issuer %q: %s has no token_endpoint", issuer, url)
	}
	return ep, nil
}
