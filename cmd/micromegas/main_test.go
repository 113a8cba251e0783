package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/telemetry"
)

// serveForTest runs `micromegas serve` on free ports and returns the
// addresses it prints.
func serveForTest(t *testing.T) (ingestion, flightsql string) {
	t.Helper()
	// The data folder is made before the cleanup that stops serve is
	// registered, so that cleanups (last in, first out) stop serve before
	// they remove the folder it writes to.
	dataDir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data-dir", dataDir, "--ingestion-addr", "127.0.0.1:0",
			"--flightsql-addr", "127.0.0.1:0", "--web-addr", "127.0.0.1:0", "--otlp-grpc-addr", "127.0.0.1:0", "--log-level", "warn"}, pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	sc := bufio.NewScanner(pr)
	for (ingestion == "" || flightsql == "") && sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "ingestion":
			ingestion = v
		case "flightsql":
			flightsql = v
		}
	}
	go io.Copy(io.Discard, pr)
	if ingestion == "" || flightsql == "" || strings.HasSuffix(ingestion, ":0") || strings.HasSuffix(flightsql, ":0") {
		t.Fatalf("serve printed ingestion=%q flightsql=%q, want both with real ports", ingestion, flightsql)
	}
	return ingestion, flightsql
}

var cliLog = telemetry.NewLogSite(telemetry.LevelWarn, "cli/test", "a line, with a comma and \"quotes\"")

func TestServeAndQuery(t *testing.T) {
	ingestion, flightsql := serveForTest(t)
	resp, err := http.Get(ingestion + "/health")
	if err != nil {
		t.Fatalf("ingestion not reachable at the printed address: %v", err)
	}
	resp.Body.Close()

	guard, err := telemetry.Init(telemetry.Config{URL: ingestion})
	if err != nil {
		t.Fatal(err)
	}
	cliLog.Log()
	cliLog.Log()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := guard.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	query := func(t *testing.T, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		args = append([]string{"query", "--analytics-url", flightsql}, args...)
		if err := run(context.Background(), args, &out, &errb); err != nil {
			t.Fatalf("query %v: %v\n%s", args, err, errb.String())
		}
		return out.String()
	}
	const sql = "SELECT level, target, msg FROM log_entries ORDER BY time"

	t.Run("table", func(t *testing.T) {
		out := query(t, sql)
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if len(lines) < 3 || !strings.Contains(lines[0], "level") || !strings.Contains(lines[0], "msg") {
			t.Fatalf("table output:\n%s", out)
		}
		if n := strings.Count(out, `a line, with a comma and "quotes"`); n != 2 {
			t.Fatalf("message appears %d times, want 2:\n%s", n, out)
		}
		// The level column shows names; CSV keeps the numbers (below).
		if !strings.HasPrefix(strings.TrimSpace(lines[2]), "WARN ") {
			t.Errorf("level shown as %q, want WARN:\n%s", lines[2], out)
		}
	})
	t.Run("csv with flags after the SQL", func(t *testing.T) {
		out := query(t, sql, "--format", "csv")
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("not CSV: %v\n%s", err, out)
		}
		if len(recs) != 3 || strings.Join(recs[0], ",") != "level,target,msg" || recs[1][2] != `a line, with a comma and "quotes"` || recs[1][0] != "3" {
			t.Fatalf("csv: %q", recs)
		}
	})
	t.Run("json", func(t *testing.T) {
		out := query(t, "--format", "json", sql)
		var rows []map[string]any
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if len(rows) != 2 || rows[0]["target"] != "cli/test" {
			t.Fatalf("json: %v", rows)
		}
	})
	t.Run("bad SQL says why", func(t *testing.T) {
		var out, errb bytes.Buffer
		err := run(context.Background(), []string{"query", "--analytics-url", flightsql, "SELECT nope FROM log_entries"}, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), "nope") {
			t.Fatalf("want an error naming the bad column, got %v", err)
		}
	})
}

// TestUnreachableServer checks that the client commands say which
// address they tried and how to get a server there.
func TestUnreachableServer(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "grpc://" + lis.Addr().String()
	lis.Close() // nothing listens there any more
	for _, args := range [][]string{
		{"query", "--analytics-url", url, "SELECT 1"},
		{"processes", "--analytics-url", url},
		{"logs", "--analytics-url", url, "some-process"},
	} {
		err := run(context.Background(), args, io.Discard, io.Discard)
		if err == nil {
			t.Fatalf("%v succeeded with no server", args)
		}
		for _, want := range []string{url + " is unreachable", "micromegas serve", "--analytics-url", "MICROMEGAS_ANALYTICS_URL"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q lacks %q", args[0], err, want)
			}
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "command is required"},
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{"query"}, "SQL text is required"},
		{[]string{"query", "--format", "xml", "SELECT 1"}, "xml"},
		{[]string{"query", "--begin", "yesterday", "SELECT 1"}, "RFC3339"},
	} {
		err := run(context.Background(), c.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want an error containing %q", c.args, err, c.want)
		}
	}
}
