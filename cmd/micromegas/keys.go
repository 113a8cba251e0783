package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/micromegas-go/micromegas/client"
)

func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keys", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: micromegas keys create NAME --scope ingest|query|admin [--expires 90d]
       micromegas keys list
       micromegas keys revoke NAME

Manages the API keys stored in the catalog (admins only). The secret of a
new key is printed once: the server keeps only its SHA-256 hash. A revoked
key is refused by every server within 10 seconds.`)
		fs.PrintDefaults()
	}
	var c connFlags
	c.add(fs)
	scope := fs.String("scope", "", "create: what the key may do: ingest (send telemetry), query (read) or admin (everything)")
	expires := fs.String("expires", "", "create: lifetime of the key, such as 30d, 12h or 2w, or an RFC3339 time (default: no expiry)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return fmt.Errorf("keys: a subcommand is required: create, list or revoke")
	}
	sub, pos := pos[0], pos[1:]
	name := ""
	switch {
	case sub == "list" && len(pos) == 0:
	case (sub == "create" || sub == "revoke") && len(pos) == 1:
		name = pos[0]
	case sub == "create" || sub == "revoke":
		fs.Usage()
		return fmt.Errorf("keys %s takes one NAME", sub)
	default:
		fs.Usage()
		return fmt.Errorf("keys: unknown subcommand %q: use create, list or revoke", sub)
	}
	req := client.KeyRequest{Name: name, Scope: *scope}
	if sub == "create" {
		if *scope == "" {
			return fmt.Errorf("keys create: --scope is required: ingest, query or admin")
		}
		if *expires != "" {
			// A lifetime (30d) is read as a time before now and mirrored;
			// an RFC3339 time in the future is taken as is.
			now := time.Now()
			t, err := parseTimeArg("--expires", *expires, now)
			if err != nil {
				return err
			}
			if req.ExpiresAt = t; !t.After(now) {
				req.ExpiresAt = now.Add(now.Sub(t))
			}
		}
	}
	cl, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	switch sub {
	case "create":
		k, err := cl.CreateAPIKey(ctx, req)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "API key %q (scope %s) created; it is shown once, store it now:\n", k.Name, k.Scope)
		fmt.Fprintln(stdout, k.Key)
	case "list":
		keys, err := cl.ListAPIKeys(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tSCOPE\tCREATOR\tCREATED\tEXPIRES\tLAST USED\tREVOKED")
		for _, k := range keys {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.Name, k.Scope, k.Creator, day(k.CreatedAt), day(k.ExpiresAt), day(k.LastUsedAt), day(k.RevokedAt))
		}
		return w.Flush()
	case "revoke":
		k, err := cl.RevokeAPIKey(ctx, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %q (every server refuses it within 10 s)\n", k.Name)
	}
	return nil
}

// day formats a time for the key list; "-" when zero.
func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}
