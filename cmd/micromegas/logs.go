package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/micromegas-go/micromegas/client"
	"github.com/micromegas-go/micromegas/internal/render"
)

// parseLevel reads a level name (fatal, error, warn, info, debug, trace)
// or number (1-6).
func parseLevel(s string) (int, error) {
	if n, err := strconv.Atoi(s); err == nil && n >= 1 && n <= 6 {
		return n, nil
	}
	for n, name := range render.LevelNames {
		if (name != "" && strings.EqualFold(s, name)) || (name == "WARN" && strings.EqualFold(s, "warning")) {
			return n, nil
		}
	}
	return 0, fmt.Errorf("--level %q: use fatal, error, warn, info, debug or trace (or 1-6)", s)
}

// logsQuery holds the filters of the logs command.
type logsQuery struct {
	processID string
	maxLevel  int
	target    string
	grep      string
}

// sql returns the query of the log lines from `from` on (when not zero,
// inclusive: entries sharing that time are filtered by a logCursor),
// ordered by time; tail > 0 keeps only the last tail lines, limit > 0
// the first limit lines.
func (q logsQuery) sql(from time.Time, tail, limit int) string {
	where := []string{fmt.Sprintf("level <= %d", q.maxLevel)}
	if q.target != "" {
		where = append(where, "starts_with(target, "+sqlString(q.target)+")")
	}
	if q.grep != "" {
		where = append(where, "contains(lower(msg), lower("+sqlString(q.grep)+"))")
	}
	if !from.IsZero() {
		where = append(where, "time >= CAST("+sqlString(from.UTC().Format("2006-01-02 15:04:05.999999999"))+" AS TIMESTAMP_NS)")
	}
	var levels strings.Builder
	levels.WriteString("CASE level")
	for n, name := range render.LevelNames {
		if name != "" {
			fmt.Fprintf(&levels, " WHEN %d THEN '%s'", n, name)
		}
	}
	levels.WriteString(" ELSE CAST(level AS VARCHAR) END")
	sql := "SELECT time, " + levels.String() + " AS level, target, msg FROM view_instance('log_entries', " +
		sqlString(q.processID) + ") WHERE " + strings.Join(where, " AND ")
	switch {
	case tail > 0:
		sql = fmt.Sprintf("SELECT * FROM (%s ORDER BY time DESC LIMIT %d) ORDER BY time", sql, tail)
	case limit > 0:
		sql += fmt.Sprintf(" ORDER BY time LIMIT %d", limit)
	default:
		sql += " ORDER BY time"
	}
	return sql
}

func runLogs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := addClientFlags(fs, "")
	of := addOutputFlags(fs, "text", "text (one line per entry), table, csv or json")
	level := fs.String("level", "trace", "most verbose level shown: fatal, error, warn, info, debug or trace")
	target := fs.String("target", "", "keep entries whose target starts with this text")
	grep := fs.String("grep", "", "keep entries whose message contains this text (case-insensitive)")
	limit := fs.Int("limit", 0, "print at most this many entries (0: all); with --follow, start with the last N entries (default 10)")
	follow := fs.Bool("follow", false, "keep printing new entries as they arrive, until interrupted (text format only)")
	poll := fs.Duration("poll", time.Second, "with --follow, how often to look for new entries")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: micromegas logs [flags] <process_id>")
		fmt.Fprintln(stderr, "\nPrints the log entries of a process, oldest first.")
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
	q := logsQuery{processID: pid, target: *target, grep: *grep}
	if q.maxLevel, err = parseLevel(*level); err != nil {
		return err
	}
	tr, err := timeRange(cf.begin, cf.end)
	if err != nil {
		return err
	}
	if *limit < 0 || *poll <= 0 {
		return fmt.Errorf("--limit must not be negative and --poll must be positive")
	}
	c, err := cf.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if *follow {
		if of.format != "text" || of.output != "" {
			return fmt.Errorf("--follow prints text lines to the standard output: drop --format and --output")
		}
		tail := *limit
		if tail == 0 {
			tail = 10
		}
		return followLogs(ctx, c.Query, q, tr, tail, *poll, stdout)
	}
	if of.format == "text" {
		out, closeOut, err := of.open(stdout, render.CSV)
		if err != nil {
			return err
		}
		err = printLogLines(ctx, c.Query, q.sql(time.Time{}, 0, *limit), tr, out, &logCursor{})
		if cerr := closeOut(); err == nil {
			err = cerr
		}
		return err
	}
	f, err := render.ParseFormat(of.format)
	if err != nil {
		return err
	}
	out, closeOut, err := of.open(stdout, f)
	if err != nil {
		return err
	}
	err = runAndRender(ctx, c, q.sql(time.Time{}, 0, *limit), tr, f, out, stderr, -1)
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	return err
}

// queryFunc runs SQL over a time range (client.Client.Query).
type queryFunc func(ctx context.Context, sql string, tr client.TimeRange) (array.RecordReader, error)

// followLogs prints the last tail entries, then new ones every poll until
// ctx ends. Each poll reads the entries from the time of the last printed
// one on, inclusive, so that an entry arriving later with that same time
// is not missed; the cursor skips those already printed.
func followLogs(ctx context.Context, query queryFunc, q logsQuery, tr client.TimeRange, tail int, poll time.Duration, out io.Writer) error {
	cur := &logCursor{}
	if err := printLogLines(ctx, query, q.sql(time.Time{}, tail, 0), tr, out, cur); err != nil {
		return err
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		var r client.TimeRange
		if !cur.last.IsZero() {
			// Only partitions from the last entry on are read.
			r = client.TimeRange{Begin: cur.last, End: time.Now().Add(time.Hour)}
		}
		if err := printLogLines(ctx, query, q.sql(cur.last, 0, 0), r, out, cur); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}

// logCursor is where a follower stands: the time of the newest printed
// entry and, by line text, how many entries of that time were printed.
type logCursor struct {
	last time.Time
	seen map[string]int
}

// skips returns a copy of the entries of time last already printed,
// which the next read, starting at last inclusive, must skip once each.
func (c *logCursor) skips() map[string]int {
	out := make(map[string]int, len(c.seen))
	for k, v := range c.seen {
		out[k] = v
	}
	return out
}

// admit reports whether an entry read in time order must be printed,
// and records it if so; skip is the result of skips() taken before the
// read.
func (c *logCursor) admit(t time.Time, line string, skip map[string]int) bool {
	if t.Before(c.last) {
		return false
	}
	if t.Equal(c.last) && skip[line] > 0 {
		skip[line]--
		return false
	}
	if t.After(c.last) || c.seen == nil {
		c.last, c.seen = t, map[string]int{}
	}
	c.seen[line]++
	return true
}

// printLogLines prints the "time LEVEL target: msg" lines of sql that the
// cursor admits.
func printLogLines(ctx context.Context, query queryFunc, sql string, tr client.TimeRange, out io.Writer, cur *logCursor) error {
	rdr, err := query(ctx, sql, tr)
	if err != nil {
		return err
	}
	defer rdr.Release()
	skip := cur.skips()
	for rdr.Next() {
		rec := rdr.RecordBatch()
		ts, ok := rec.Column(0).(*array.Timestamp)
		if !ok {
			return fmt.Errorf("logs: unexpected time column %s", rec.Column(0).DataType())
		}
		unit := ts.DataType().(*arrow.TimestampType).Unit
		var b strings.Builder
		for i := range int(rec.NumRows()) {
			t := ts.Value(i).ToTime(unit).UTC()
			line := t.Format(time.RFC3339Nano)
			for j, sep := range []string{" ", " ", ": "} {
				line += sep + rec.Column(j+1).ValueStr(i)
			}
			if cur.admit(t, line, skip) {
				b.WriteString(line)
				b.WriteByte('\n')
			}
		}
		if _, err := io.WriteString(out, b.String()); err != nil {
			return err
		}
	}
	return rdr.Err()
}
