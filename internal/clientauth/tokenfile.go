package clientauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// refreshBefore is how long before the id_token expires the tokens of
// micromegas login are refreshed, as the original (5 minutes).
const refreshBefore = 5 * time.Minute

// Tokens are the tokens of `micromegas login`, as stored in the token
// file. The id_token is the bearer sent to servers, as the original.
type Tokens struct {
	Issuer       string    `json:"issuer"`
	ClientID     string    `json:"client_id"`
	TokenURL     string    `json:"token_endpoint"`
	IDToken      string    `json:"id_token"`
	AccessToken  string    `json:"access_token,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry"` // of the id_token
}

// DefaultTokenFile is ~/.micromegas/tokens.json.
func DefaultTokenFile() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the home folder for the token file: %w", err)
	}
	return filepath.Join(home, ".micromegas", "tokens.json"), nil
}

// Save writes t to path with mode 0600, creating its folder with mode
// 0700; an existing folder is restricted to 0700 too.
func (t Tokens) Save(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create token folder: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("restrict token folder: %w", err)
	}
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("encode tokens: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".tokens-*.json")
	if err != nil {
		return fmt.Errorf("write token file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write token file: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write token file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write token file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write token file: %w", err)
	}
	return nil
}

// LoadTokens reads a token file.
func LoadTokens(path string) (Tokens, error) {
	var t Tokens
	b, err := os.ReadFile(path)
	if err != nil {
		return t, fmt.Errorf("read token file: %w", err)
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return t, fmt.Errorf("token file %s is damaged (run micromegas login again): %w", path, err)
	}
	if t.IDToken == "" {
		return t, fmt.Errorf("token file %s holds no id_token: run micromegas login again", path)
	}
	return t, nil
}

// FileSource returns the token source of a token file: the id_token,
// refreshed with the refresh token when it expires within 5 minutes, the
// new tokens written back to the file. client reaches the issuer.
func FileSource(ctx context.Context, path string, client *http.Client) (oauth2.TokenSource, error) {
	t, err := LoadTokens(path)
	if err != nil {
		return nil, err
	}
	return &fileSource{ctx: context.WithoutCancel(ctx), path: path, client: client, tokens: t}, nil
}

type fileSource struct {
	ctx    context.Context
	path   string
	client *http.Client

	mu     sync.Mutex
	tokens Tokens
}

func (s *fileSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Until(s.tokens.Expiry) > refreshBefore {
		return &oauth2.Token{AccessToken: s.tokens.IDToken, TokenType: "Bearer", Expiry: s.tokens.Expiry}, nil
	}
	if s.tokens.RefreshToken == "" {
		return nil, ErrNoRefreshToken
	}
	t, err := Refresh(s.ctx, s.client, s.tokens)
	if err != nil {
		return nil, err
	}
	if err := t.Save(s.path); err != nil {
		return nil, err
	}
	s.tokens = t
	return &oauth2.Token{AccessToken: t.IDToken, TokenType: "Bearer", Expiry: t.Expiry}, nil
}

// Refresh trades t's refresh token for new tokens.
func Refresh(ctx context.Context, client *http.Client, t Tokens) (Tokens, error) {
	cfg := oauth2.Config{ClientID: t.ClientID, Endpoint: oauth2.Endpoint{TokenURL: t.TokenURL}}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, client)
	tok, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: t.RefreshToken, Expiry: time.Unix(1, 0)}).Token()
	if err != nil {
		return t, fmt.Errorf("refresh the tokens of micromegas login (run micromegas login again if this persists): %w", err)
	}
	return t.update(tok)
}

// update returns t with the tokens of an OAuth2 token response.
func (t Tokens) update(tok *oauth2.Token) (Tokens, error) {
	id, _ := tok.Extra("id_token").(string)
	if id == "" {
		return t, errors.New("the issuer returned no id_token: the login must ask for the openid scope")
	}
	exp, err := jwtExpiry(id)
	if err != nil {
		return t, err
	}
	t.IDToken, t.AccessToken, t.Expiry = id, tok.AccessToken, exp
	if tok.RefreshToken != "" {
		t.RefreshToken = tok.RefreshToken
	}
	return t, nil
}

// jwtExpiry reads the exp claim of a JWT without checking it (the server
// does).
func jwtExpiry(jwt string) (time.Time, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return time.Time{}, errors.New("the id_token is not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}, fmt.Errorf("decode the id_token: %w", err)
	}
	var claims struct {
		Exp float64 `json:"exp"`
	}
	if err := json.Unmarshal(b, &claims); err != nil || claims.Exp == 0 {
		return time.Time{}, errors.New("the id_token has no exp claim")
	}
	return time.Unix(int64(claims.Exp), 0), nil
}
