package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/micromegas-go/micromegas/client"
	"github.com/micromegas-go/micromegas/internal/clientauth"
	"github.com/micromegas-go/micromegas/internal/render"
)

// defaultAnalyticsURL is the FlightSQL address of a local `micromegas serve`.
const defaultAnalyticsURL = "grpc://127.0.0.1:50051"

// clientFlags are the flags of the commands that query the analytics
// service.
type clientFlags struct {
	connFlags
	begin, end string
}

// connFlags say where the analytics service is and how to authenticate.
type connFlags struct {
	url    string
	apiKey string
	caFile string
}

func addClientFlags(fs *flag.FlagSet, rangeHelp string) *clientFlags {
	c := &clientFlags{}
	c.connFlags.add(fs)
	fs.StringVar(&c.begin, "begin", "", "start of the time range: RFC3339, or a time before now such as 30m, 1h, 7d"+rangeHelp)
	fs.StringVar(&c.end, "end", "", "end of the time range: RFC3339, \"now\" or a time before now (default now when --begin is given)")
	return c
}

func (c *connFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&c.url, "analytics-url", envOr("MICROMEGAS_ANALYTICS_URL", defaultAnalyticsURL),
		"FlightSQL address of the analytics service: grpc://host:port, or grpc+tls:// (https://) for TLS (env MICROMEGAS_ANALYTICS_URL)")
	fs.StringVar(&c.apiKey, "api-key", "", "API key sent as the bearer token (env MICROMEGAS_API_KEY); without one, the client credentials of MICROMEGAS_OIDC_CLIENT_ID/_SECRET, else the tokens of micromegas login")
	fs.StringVar(&c.caFile, "ca-file", envOr(clientauth.EnvCAFile, ""), "PEM file of a certificate authority to trust for TLS, beside the system's (env MICROMEGAS_CA_FILE)")
}

// dial connects to the analytics service with the credentials the flags
// and the environment give, and the extra options.
func (c *connFlags) dial(ctx context.Context, extra ...client.Option) (*client.Client, error) {
	env := clientauth.ReadEnv(clientauth.EnvAPIKey)
	if c.apiKey != "" {
		env.APIKey = c.apiKey
	}
	env.UseTokenFile = true
	src, err := env.Source(ctx)
	if err != nil {
		return nil, err
	}
	opts := append([]client.Option{client.WithCAFile(c.caFile)}, extra...)
	if src != nil {
		opts = append(opts, client.WithTokenSource(src))
	}
	cl, err := client.Dial(ctx, c.url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", c.url, err)
	}
	return cl, nil
}

// explainUnreachable adds what to do to the error of a command that could
// not reach the analytics service.
func explainUnreachable(err error) error {
	var ue *client.UnreachableError
	if !errors.As(err, &ue) {
		return err
	}
	return fmt.Errorf("%w\nnothing answers at %s: start the server with `micromegas serve`, "+
		"or give its address with --analytics-url (env MICROMEGAS_ANALYTICS_URL)", err, ue.Addr)
}

// outputFlags choose how results are written.
type outputFlags struct {
	format string
	output string
}

func addOutputFlags(fs *flag.FlagSet, def string, formats string) *outputFlags {
	o := &outputFlags{}
	fs.StringVar(&o.format, "format", def, "output format: "+formats)
	fs.StringVar(&o.output, "output", "", "write the result to this file instead of the standard output")
	fs.StringVar(&o.output, "o", "", "shorthand for --output")
	return o
}

// open returns the writer of the result and a function that finishes it.
// Binary formats are refused on a terminal.
func (o *outputFlags) open(stdout io.Writer, f render.Format) (io.Writer, func() error, error) {
	if o.output == "" || o.output == "-" {
		if f.Binary() && isTerminal(stdout) {
			return nil, nil, fmt.Errorf("--format %s writes a binary file: give --output FILE or redirect the output", f)
		}
		return stdout, func() error { return nil }, nil
	}
	file, err := os.Create(o.output)
	if err != nil {
		return nil, nil, fmt.Errorf("create output file: %w", err)
	}
	return file, func() error {
		if err := file.Close(); err != nil {
			return fmt.Errorf("write %s: %w", o.output, err)
		}
		return nil
	}, nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// sqlString is a SQL string literal of s.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// onePositional returns the single positional argument of a command.
func onePositional(fs *flag.FlagSet, pos []string, what string) (string, error) {
	switch len(pos) {
	case 1:
		return pos[0], nil
	case 0:
		fs.Usage()
		return "", fmt.Errorf("%s: the %s is required", fs.Name(), what)
	}
	fs.Usage()
	return "", errors.New(fs.Name() + ": too many arguments: " + strings.Join(pos[1:], " "))
}
