package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"time"

	"github.com/micromegas-go/micromegas/internal/clientauth"
)

func runLogin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("login", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := clientauth.LoginOptions{}
	fs.StringVar(&o.Issuer, "issuer", envOr(clientauth.EnvOIDCIssuer, ""), "OpenID Connect issuer URL (env MICROMEGAS_OIDC_ISSUER)")
	fs.StringVar(&o.ClientID, "client-id", envOr(clientauth.EnvOIDCClientID, ""), "client id registered with the issuer for the CLI (env MICROMEGAS_OIDC_CLIENT_ID)")
	fs.StringVar(&o.RedirectURL, "redirect-url", clientauth.DefaultRedirectURL, "loopback URL the browser returns to; register it with the issuer")
	tokenFile := fs.String("token-file", envOr(clientauth.EnvTokenFile, ""), "where to keep the tokens (env MICROMEGAS_TOKEN_FILE; default ~/.micromegas/tokens.json)")
	noBrowser := fs.Bool("no-browser", false, "only print the URL to open")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait for the browser to come back")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	o.ClientSecret = os.Getenv(clientauth.EnvOIDCClientSecret)
	o.OpenURL = func(url string) error {
		fmt.Fprintf(stderr, "Open this URL to log in:\n\n  %s\n\n", url)
		if !*noBrowser {
			openBrowser(url)
		}
		return nil
	}
	path, err := tokenPath(*tokenFile)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	tokens, err := clientauth.Login(ctx, o)
	if err != nil {
		return err
	}
	if err := tokens.Save(path); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "logged in to %s; tokens in %s (valid until %s, refreshed automatically)\n", o.Issuer, path, tokens.Expiry.Format(time.RFC3339))
	return nil
}

// openBrowser opens url in the user's browser when there is one; the
// URL is printed either way.
func openBrowser(url string) {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return
		}
		cmd = exec.Command("xdg-open", url)
	}
	if cmd.Start() == nil {
		go cmd.Wait()
	}
}

func tokenPath(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	return clientauth.DefaultTokenFile()
}

func runLogout(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logout", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tokenFile := fs.String("token-file", envOr(clientauth.EnvTokenFile, ""), "the token file of micromegas login (env MICROMEGAS_TOKEN_FILE; default ~/.micromegas/tokens.json)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	path, err := tokenPath(*tokenFile)
	if err != nil {
		return err
	}
	switch err := os.Remove(path); {
	case errors.Is(err, os.ErrNotExist):
		fmt.Fprintln(stdout, "not logged in")
	case err != nil:
		return fmt.Errorf("logout: %w", err)
	default:
		fmt.Fprintf(stdout, "logged out (removed %s)\n", path)
	}
	return nil
}

func runWhoAmI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("whoami", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c connFlags
	c.add(fs)
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	cl, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	id, err := cl.WhoAmI(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "subject: %s\n", id.Subject)
	if id.Email != "" {
		fmt.Fprintf(stdout, "email:   %s\n", id.Email)
	}
	if id.Issuer != "" {
		fmt.Fprintf(stdout, "issuer:  %s\n", id.Issuer)
	}
	fmt.Fprintf(stdout, "kind:    %s\nadmin:   %v\nscopes:  %s\n", id.Kind, id.Admin, id.Scopes)
	if !id.Expires.IsZero() {
		fmt.Fprintf(stdout, "expires: %s\n", id.Expires.Format(time.RFC3339))
	}
	return nil
}
