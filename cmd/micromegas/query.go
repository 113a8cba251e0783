package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/micromegas-go/micromegas/client"
	"github.com/micromegas-go/micromegas/internal/render"
)

func runQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := addClientFlags(fs, " (sent as query_range_begin; restricts the partitions read)")
	of := addOutputFlags(fs, "table", "table, csv, json, parquet or arrow (an Arrow IPC file)")
	limit := fs.Int64("limit", 0, "return at most this many rows (0: no limit)")
	showProgress := fs.Bool("progress", false, "print a progress line (rows, rows/s) on the standard error; by default it appears on a terminal after 1s")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: micromegas query [flags] \"SELECT ...\"")
		fmt.Fprintln(stderr, "\nRuns SQL against the analytics service and prints or saves the result. In the table")
		fmt.Fprintln(stderr, "format, integer columns named level show the level's name (3 is WARN, 2 ERROR); csv")
		fmt.Fprintln(stderr, "and json keep the numbers (SQL: level_name(level)).")
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
	f, err := render.ParseFormat(of.format)
	if err != nil {
		return err
	}
	tr, err := timeRange(cf.begin, cf.end)
	if err != nil {
		return err
	}
	if *limit < 0 {
		return fmt.Errorf("--limit %d: want 0 (no limit) or more", *limit)
	}
	out, closeOut, err := of.open(stdout, f)
	if err != nil {
		return err
	}
	c, err := cf.dial(ctx, client.WithLimit(*limit))
	if err != nil {
		closeOut()
		return err
	}
	defer c.Close()
	err = runAndRender(ctx, c, sql, tr, f, out, stderr, progressMode(*showProgress, f, out, stderr))
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil && of.output != "" {
		os.Remove(of.output) // do not leave a truncated file behind
	}
	return err
}

// progressMode returns the delay before a progress line, or -1 for none.
// A line is shown at once with --progress, or after a second when the
// standard error is a terminal that the output does not stream to.
func progressMode(forced bool, f render.Format, out, stderr io.Writer) time.Duration {
	switch {
	case forced:
		return 0
	case isTerminal(stderr) && (!isTerminal(out) || f == render.Table):
		return progressDelay
	}
	return -1
}

// runAndRender runs sql and writes its result in format f; delay < 0
// means no progress line.
func runAndRender(ctx context.Context, c *client.Client, sql string, tr client.TimeRange, f render.Format, out, stderr io.Writer, delay time.Duration) error {
	rdr, err := c.Query(ctx, sql, tr)
	if err != nil {
		return err
	}
	defer rdr.Release()
	if delay < 0 {
		return render.Write(out, f, rdr.Schema(), rdr)
	}
	p := startProgress(rdr, stderr, delay)
	err = render.Write(out, f, rdr.Schema(), p)
	p.finish(delay == 0)
	return err
}
