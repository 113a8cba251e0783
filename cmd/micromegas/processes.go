package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/micromegas-go/micromegas/internal/render"
)

func runProcesses(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("processes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := addClientFlags(fs, "; only processes active in the range are listed")
	fs.StringVar(&cf.begin, "since", "", "shorthand for --begin: list the processes active since then (e.g. 1h)")
	of := addOutputFlags(fs, "table", "table, csv, json, parquet or arrow")
	limit := fs.Int("limit", 100, "list at most this many processes, the most recently active first (0: all)")
	exe := fs.String("exe", "", "keep processes whose executable contains this text (case-insensitive)")
	user := fs.String("username", "", "keep processes of this user")
	computer := fs.String("computer", "", "keep processes of this computer")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: micromegas processes [flags]")
		fmt.Fprintln(stderr, "\nLists the instrumented processes, the most recently active first.")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fs.Usage()
		return fmt.Errorf("processes: unexpected arguments %q (filters are flags, e.g. --exe)", strings.Join(pos, " "))
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
	sql := processesSQL(*exe, *user, *computer, *limit)
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
	err = runAndRender(ctx, c, sql, tr, f, out, stderr, -1)
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	return err
}

// processesSQL lists processes with the given filters.
func processesSQL(exe, user, computer string, limit int) string {
	var where []string
	if exe != "" {
		where = append(where, "contains(lower(exe), lower("+sqlString(exe)+"))")
	}
	if user != "" {
		where = append(where, "username = "+sqlString(user))
	}
	if computer != "" {
		where = append(where, "computer = "+sqlString(computer))
	}
	sql := "SELECT process_id, exe, username, computer, start_time, last_update_time FROM processes"
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY last_update_time DESC"
	if limit > 0 {
		sql += fmt.Sprintf(" LIMIT %d", limit)
	}
	return sql
}
