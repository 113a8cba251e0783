package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/micromegas-go/micromegas/client"
	"github.com/micromegas-go/micromegas/internal/render"
)

func runQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("analytics-url", envOr("MICROMEGAS_ANALYTICS_URL", "grpc://127.0.0.1:50051"), "FlightSQL address of the analytics service (env MICROMEGAS_ANALYTICS_URL)")
	format := fs.String("format", "table", "output format: table, csv or json")
	begin := fs.String("begin", "", "start of the query time range, RFC3339 (sent as query_range_begin)")
	end := fs.String("end", "", "end of the query time range, RFC3339 (sent as query_range_end)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: micromegas query [flags] \"SELECT ...\"")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return errors.New("query: the SQL text is required")
	}
	sql := strings.Join(pos, " ")
	f, err := render.ParseFormat(*format)
	if err != nil {
		return err
	}
	var tr client.TimeRange
	if tr.Begin, err = parseTime("--begin", *begin); err != nil {
		return err
	}
	if tr.End, err = parseTime("--end", *end); err != nil {
		return err
	}
	c, err := client.Dial(ctx, *url)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", *url, err)
	}
	defer c.Close()
	rdr, err := c.Query(ctx, sql, tr)
	if err != nil {
		return err
	}
	defer rdr.Release()
	return render.Write(stdout, f, rdr.Schema(), rdr)
}

func parseTime(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want an RFC3339 time such as 2026-01-02T15:04:05Z", flagName, s)
	}
	return t, nil
}
