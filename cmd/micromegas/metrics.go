package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/micromegas-go/micromegas/internal/render"
)

// metricsSQL returns the measures of a process, or their statistics per
// metric with stats.
func metricsSQL(processID, name, target string, stats bool, limit int) string {
	var where []string
	if name != "" {
		where = append(where, "name = "+sqlString(name))
	}
	if target != "" {
		where = append(where, "starts_with(target, "+sqlString(target)+")")
	}
	from := " FROM view_instance('measures', " + sqlString(processID) + ")"
	if len(where) > 0 {
		from += " WHERE " + strings.Join(where, " AND ")
	}
	if stats {
		return "SELECT name, unit, count(*) AS count, min(value) AS min, avg(value) AS avg, max(value) AS max, " +
			"min(time) AS first, max(time) AS last" + from + " GROUP BY name, unit ORDER BY name, unit"
	}
	sql := "SELECT time, target, name, unit, value" + from + " ORDER BY time"
	if limit > 0 {
		sql += fmt.Sprintf(" LIMIT %d", limit)
	}
	return sql
}

func runMetrics(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("metrics", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := addClientFlags(fs, "")
	of := addOutputFlags(fs, "table", "table, csv, json, parquet or arrow")
	name := fs.String("name", "", "keep the measures of this metric")
	target := fs.String("target", "", "keep measures whose target starts with this text")
	stats := fs.Bool("stats", false, "print count, min, avg and max per metric instead of the measures")
	limit := fs.Int("limit", 1024, "print at most this many measures (0: all)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: micromegas metrics [flags] <process_id>")
		fmt.Fprintln(stderr, "\nPrints the measures (metric values) of a process, oldest first.")
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
	f, err := render.ParseFormat(of.format)
	if err != nil {
		return err
	}
	tr, err := timeRange(cf.begin, cf.end)
	if err != nil {
		return err
	}
	if *limit < 0 {
		return fmt.Errorf("--limit %d: want 0 (all) or more", *limit)
	}
	out, closeOut, err := of.open(stdout, f)
	if err != nil {
		return err
	}
	c, err := cf.dial(ctx)
	if err != nil {
		closeOut()
		return err
	}
	defer c.Close()
	err = runAndRender(ctx, c, metricsSQL(pid, *name, *target, *stats, *limit), tr, f, out, stderr, -1)
	if err != nil && strings.Contains(err.Error(), `unknown view set "measures"`) {
		err = fmt.Errorf("the analytics service at %s has no measures view, so it cannot serve metrics (upgrade it): %w", cf.url, err)
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	return err
}
