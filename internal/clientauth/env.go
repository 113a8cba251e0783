package clientauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Environment variables read by FromEnv and TLSConfig.
const (
	EnvAPIKey           = "MICROMEGAS_API_KEY"
	EnvIngestionAPIKey  = "MICROMEGAS_INGESTION_API_KEY"
	EnvOIDCIssuer       = "MICROMEGAS_OIDC_ISSUER"
	EnvOIDCTokenURL     = "MICROMEGAS_OIDC_TOKEN_ENDPOINT"
	EnvOIDCClientID     = "MICROMEGAS_OIDC_CLIENT_ID"
	EnvOIDCClientSecret = "MICROMEGAS_OIDC_CLIENT_SECRET"
	EnvOIDCAudience     = "MICROMEGAS_OIDC_AUDIENCE"
	EnvOIDCScope        = "MICROMEGAS_OIDC_SCOPE"
	EnvTokenFile        = "MICROMEGAS_TOKEN_FILE"
	EnvCAFile           = "MICROMEGAS_CA_FILE"
)

// Env selects credentials; FromEnv fills it from the environment.
type Env struct {
	// APIKey is sent as is.
	APIKey string
	// Issuer, TokenURL, ClientID, ClientSecret, Audience and Scope
	// (space-separated) describe a service account (client
	// credentials). TokenURL is discovered from Issuer when empty.
	Issuer, TokenURL, ClientID, ClientSecret, Audience, Scope string
	// TokenFile holds the tokens of `micromegas login` (default
	// ~/.micromegas/tokens.json); with UseTokenFile, used when it exists
	// and nothing else is set.
	TokenFile    string
	UseTokenFile bool
	// HTTPClient reaches the issuer (nil: a client with a 30 s timeout
	// trusting MICROMEGAS_CA_FILE).
	HTTPClient *http.Client
}

// ReadEnv returns the Env of the environment; apiKeyVar names the
// variable of the API key (EnvAPIKey or EnvIngestionAPIKey).
func ReadEnv(apiKeyVar string) Env {
	return Env{
		APIKey:       os.Getenv(apiKeyVar),
		Issuer:       os.Getenv(EnvOIDCIssuer),
		TokenURL:     os.Getenv(EnvOIDCTokenURL),
		ClientID:     os.Getenv(EnvOIDCClientID),
		ClientSecret: os.Getenv(EnvOIDCClientSecret),
		Audience:     os.Getenv(EnvOIDCAudience),
		Scope:        os.Getenv(EnvOIDCScope),
		TokenFile:    os.Getenv(EnvTokenFile),
	}
}

// Source returns the token source e selects, or nil when it selects none
// (the server may run without authentication): the API key; else, with
// UseTokenFile, the tokens of micromegas login when the file exists and
// no client credentials of another client are set (a person whose login
// needs a client secret sets the same client id); else the client
// credentials. The AccessToken of each token is the bearer to send. A
// client secret without an id, or the reverse, is an error naming what is
// missing.
func (e Env) Source(ctx context.Context) (oauth2.TokenSource, error) {
	if e.APIKey != "" {
		return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: e.APIKey, TokenType: "Bearer"}), nil
	}
	if e.UseTokenFile {
		path := e.TokenFile
		if path == "" {
			path, _ = DefaultTokenFile()
		}
		if t, err := LoadTokens(path); err == nil && (e.ClientSecret == "" || t.ClientID == e.ClientID) {
			return FileSource(ctx, path, e.httpClient())
		} else if err != nil && !errors.Is(err, os.ErrNotExist) && path != "" {
			return nil, err
		}
	}
	switch {
	case e.ClientSecret != "" && e.ClientID == "":
		return nil, fmt.Errorf("%s is set but %s is not: a service account needs both", EnvOIDCClientSecret, EnvOIDCClientID)
	case e.ClientID != "" && e.ClientSecret != "":
		if e.TokenURL == "" && e.Issuer == "" {
			return nil, fmt.Errorf("client credentials need the token endpoint: set %s, or %s to discover it", EnvOIDCTokenURL, EnvOIDCIssuer)
		}
		return ClientCredentials(ctx, e)
	}
	return nil, nil
}

func (e Env) httpClient() *http.Client {
	if e.HTTPClient != nil {
		return e.HTTPClient
	}
	return defaultHTTPClient()
}

// defaultHTTPClient trusts MICROMEGAS_CA_FILE when it can be read; a bad
// file shows later as a TLS error, and TLSConfig reports it clearly.
func defaultHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cfg, err := TLSConfig(os.Getenv(EnvCAFile)); err == nil {
		tr.TLSClientConfig = cfg
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: tr}
}

// TLSConfig returns the TLS configuration of a client that trusts the
// system's roots and, when caFile is not empty, the certificates of that
// PEM file (MICROMEGAS_CA_FILE).
func TLSConfig(caFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("read the CA file (%s): %w", EnvCAFile, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("the CA file %s (%s) holds no PEM certificate", caFile, EnvCAFile)
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// ErrNoRefreshToken is returned by a FileSource whose tokens expired and
// cannot be refreshed.
var ErrNoRefreshToken = errors.New("the tokens of micromegas login expired and hold no refresh token: run micromegas login again")

// bearerOf returns the header value of a token.
func bearerOf(t *oauth2.Token) string { return "Bearer " + strings.TrimSpace(t.AccessToken) }

// Header returns the Authorization header value of src's current token.
func Header(src oauth2.TokenSource) (string, error) {
	t, err := src.Token()
	if err != nil {
		return "", err
	}
	return bearerOf(t), nil
}

// Refused reports whether err is the issuer refusing the credentials
// (an OAuth2 error answer with a 4xx status, such as invalid_client):
// asking again with the same credentials is pointless.
func Refused(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 400 && re.Response.StatusCode < 500
}
