package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/micromegas-go/micromegas/client"
	"github.com/micromegas-go/micromegas/internal/perfetto"
)

func runPerfetto(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("perfetto", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := addClientFlags(fs, " (default: the process's first block)")
	output := fs.String("output", "", "trace file to write (default <process_id>.pftrace)")
	fs.StringVar(output, "o", "", "shorthand for --output")
	spans := fs.String("spans", "both", "spans to include: thread, async or both")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: micromegas perfetto [flags] <process_id>")
		fmt.Fprintln(stderr, "\nWrites the spans of a process as a Perfetto trace; open it at https://ui.perfetto.dev.")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	pid, err := onePositional(fs, pos, "process id")
	if err != nil {
		return err
	}
	types, err := perfetto.ParseSpanTypes(*spans)
	if err != nil {
		return fmt.Errorf("--spans: %w", err)
	}
	tr, err := timeRange(cf.begin, cf.end)
	if err != nil {
		return err
	}
	if *output == "" {
		*output = pid + ".pftrace"
	}
	c, err := cf.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	src := perfetto.SQLSource{Query: func(ctx context.Context, sql string, begin, end time.Time) (array.RecordReader, error) {
		return c.Query(ctx, sql, client.TimeRange{Begin: begin, End: end})
	}}
	if tr.IsZero() {
		if tr.Begin, tr.End, err = src.TimeRange(ctx, pid); err != nil {
			if errors.Is(err, perfetto.ErrProcessNotFound) {
				return fmt.Errorf("perfetto: process %s has no data (list them with micromegas processes)", pid)
			}
			return fmt.Errorf("perfetto: time range of process %s: %w", pid, err)
		}
	}
	f, err := os.Create(*output)
	if err != nil {
		return fmt.Errorf("perfetto: %w", err)
	}
	cw := &countWriter{w: f}
	err = perfetto.Generate(ctx, src, pid, perfetto.Options{Begin: tr.Begin, End: tr.End, Spans: types}, cw)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*output)
		if errors.Is(err, perfetto.ErrProcessNotFound) {
			return fmt.Errorf("perfetto: process %s not found (list them with micromegas processes)", pid)
		}
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes, %s .. %s); open it at https://ui.perfetto.dev\n", *output, cw.n,
		tr.Begin.Format(time.RFC3339Nano), tr.End.Format(time.RFC3339Nano))
	return nil
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
