package websession

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/micromegas-go/micromegas/internal/auth"
)

// flow is what the flow cookie keeps between /auth/login and the
// callback.
type flow struct {
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Return   string `json:"return"`
	Redirect string `json:"redirect"`
	Expires  int64  `json:"exp"` // Unix milliseconds
}

// oauthConfig is the OAuth2 client of the flow.
func (s *Sessions) oauthConfig(p *oidc.Provider, redirect string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: s.cfg.ClientID, ClientSecret: s.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: redirect, Scopes: s.cfg.Scopes,
	}
}

// login sends the browser to the issuer.
func (s *Sessions) login(w http.ResponseWriter, r *http.Request) {
	ret, ok := ReturnPath(r.URL.Query().Get("return"))
	if !ok {
		page(w, http.StatusBadRequest, "Sign-in refused", "The return address must be a path of this site (such as /processes); a link to another site is refused.", "/")
		return
	}
	p, _, err := s.discover(r.Context())
	if err != nil {
		s.log.Warn("sign-in: issuer unavailable", "issuer", s.cfg.Issuer, "err", err)
		page(w, http.StatusServiceUnavailable, "Sign-in unavailable", err.Error(), LoginPath+"?return="+url.QueryEscape(ret))
		return
	}
	f := flow{State: randomID(), Nonce: randomID(), Verifier: oauth2.GenerateVerifier(), Return: ret,
		Redirect: s.redirectURL(r), Expires: s.now().Add(flowTTL).UnixMilli()}
	sealed, err := s.seal.seal(flowCookie, f)
	if err != nil {
		page(w, http.StatusInternalServerError, "Sign-in failed", "cannot seal the sign-in cookie: "+err.Error(), "/")
		return
	}
	s.setCookie(w, r, flowCookie, sealed, "/auth/", flowTTL)
	w.Header().Set("Cache-Control", "no-store")
	u := s.oauthConfig(p, f.Redirect).AuthCodeURL(f.State, oauth2.S256ChallengeOption(f.Verifier), oidc.Nonce(f.Nonce))
	http.Redirect(w, r, u, http.StatusFound)
}

// callback finishes a sign-in: it checks the state, trades the code for
// tokens, verifies the id_token (signature, issuer, audience, expiry,
// nonce) and sets the session cookie.
func (s *Sessions) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	again := LoginPath
	var f flow
	c, err := r.Cookie(flowCookie)
	if err == nil {
		err = s.seal.open(flowCookie, c.Value, &f)
	}
	if err == nil && s.now().UnixMilli() > f.Expires {
		err = fmt.Errorf("the sign-in took more than %v", flowTTL)
	}
	if err != nil {
		s.refuse(w, r, http.StatusBadRequest, "no sign-in under way in this browser (it expired, or it was started in another browser)", again)
		return
	}
	again = LoginPath + "?return=" + url.QueryEscape(f.Return)
	// The flow cookie serves once.
	s.setCookie(w, r, flowCookie, "", "/auth/", -1)
	if e := q.Get("error"); e != "" {
		s.refuse(w, r, http.StatusUnauthorized, "the identity provider refused the sign-in: "+e+" "+q.Get("error_description"), again)
		return
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		s.refuse(w, r, http.StatusBadRequest, "the state of the answer does not match the sign-in this browser started (a forged or replayed answer)", again)
		return
	}
	p, verifier, err := s.discover(r.Context())
	if err != nil {
		s.refuse(w, r, http.StatusServiceUnavailable, err.Error(), again)
		return
	}
	ectx, ecancel := context.WithTimeout(context.WithValue(r.Context(), oauth2.HTTPClient, s.cfg.HTTPClient), 15*time.Second)
	defer ecancel()
	tok, err := s.oauthConfig(p, f.Redirect).Exchange(ectx, q.Get("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		s.refuse(w, r, http.StatusUnauthorized, "the issuer refused the code: "+err.Error(), again)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		s.refuse(w, r, http.StatusUnauthorized, "the issuer sent no id_token (is the openid scope allowed for this client?)", again)
		return
	}
	idt, err := verifier.Verify(ectx, raw)
	if err != nil {
		s.refuse(w, r, http.StatusUnauthorized, "the id_token is refused: "+err.Error(), again)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		s.refuse(w, r, http.StatusUnauthorized, "the id_token's nonce is not the one of this sign-in (a replayed token)", again)
		return
	}
	id, err := auth.OIDCIdentity(idt)
	if err != nil {
		s.refuse(w, r, http.StatusUnauthorized, err.Error(), again)
		return
	}
	sess := session{ID: randomID(), Subject: id.Subject, Email: id.Email, Issuer: id.Issuer, Expires: s.now().Add(s.cfg.TTL).UnixMilli()}
	sealed, err := s.seal.seal(SessionCookie, sess)
	if err != nil {
		s.refuse(w, r, http.StatusInternalServerError, "cannot seal the session: "+err.Error(), again)
		return
	}
	s.setCookie(w, r, SessionCookie, sealed, "/", s.cfg.TTL)
	s.log.Info("signed in to the web UI", "subject", id.Subject, "email", id.Email, "issuer", id.Issuer, "remote", r.RemoteAddr)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, f.Return, http.StatusSeeOther)
}

// refuse answers a failed sign-in with a page saying why and a link to
// start again.
func (s *Sessions) refuse(w http.ResponseWriter, r *http.Request, status int, why, again string) {
	s.log.Info("web sign-in refused", "status", status, "reason", why, "remote", r.RemoteAddr)
	page(w, status, "Sign-in failed", why, again)
}

// logoutForm shows a button that signs out (GET must not change state).
func (s *Sessions) logoutForm(w http.ResponseWriter, r *http.Request) {
	if _, err := s.fromRequest(r); err != nil {
		page(w, http.StatusOK, "Signed out", "You are not signed in to Micromegas.", LoginPath)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	pageHeaders(w)
	fmt.Fprint(w, `<!doctype html><title>Sign out</title><h1>Sign out</h1><form method="post" action="`+LogoutPath+`"><button type="submit">Sign out of Micromegas</button></form>`)
}

// logout ends the session: this node refuses it from now on and the
// browser drops the cookie.
func (s *Sessions) logout(w http.ResponseWriter, r *http.Request) {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		page(w, http.StatusForbidden, "Sign-out refused", "a page of another site asked to sign you out", "/")
		return
	}
	if sess, err := s.fromRequest(r); err == nil {
		s.revoked.add(sess.ID, time.UnixMilli(sess.Expires), s.now())
		s.log.Info("signed out of the web UI", "subject", sess.Subject, "email", sess.Email, "remote", r.RemoteAddr)
	}
	s.setCookie(w, r, SessionCookie, "", "/", -1)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, LogoutPath, http.StatusSeeOther)
}

// ReturnPath checks the page to come back to after signing in: a path of
// this site ("/processes?x=1"), never an address of another site
// ("//evil.example", "https://...", "/\evil.example"). Empty is "/".
func ReturnPath(p string) (string, bool) {
	if p == "" {
		return "/", true
	}
	if len(p) > 2048 || p[0] != '/' || strings.HasPrefix(p, "//") {
		return "", false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "", false
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "", false
	}
	return p, true
}

// randomID is 128 random bits in base64url.
func randomID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pageHeaders are the headers of the sign-in pages: never cached, no
// script, not framed.
func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
}

// page writes a small HTML page: a title, a message and a link.
func page(w http.ResponseWriter, status int, title, msg, link string) {
	pageHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	label := "Sign in"
	if link == "/" {
		label = "Back to Micromegas"
	}
	fmt.Fprintf(w, "<!doctype html><title>%s</title><h1>%s</h1><p id=\"message\">%s</p><p><a href=\"%s\">%s</a></p>\n",
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(msg), html.EscapeString(link), label)
}
