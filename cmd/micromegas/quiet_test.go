package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for a writer and a reader.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveDefaultLog runs `micromegas serve` at its default log level (no
// --log-level, no MICROMEGAS_LOG_LEVEL) with stderr collected, and
// returns the FlightSQL address and a function that stops serve and
// returns its stderr: once serve has stopped, every query it answered
// has written its audit line.
func serveDefaultLog(t *testing.T) (flightsql string, stop func() string) {
	t.Helper()
	t.Setenv("MICROMEGAS_LOG_LEVEL", "")
	dataDir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data-dir", dataDir, "--ingestion-addr", "127.0.0.1:0",
			"--flightsql-addr", "127.0.0.1:0", "--web-addr", "127.0.0.1:0", "--otlp-grpc-addr", "127.0.0.1:0"}, pw, stderr)
		pw.Close()
	}()
	var once sync.Once
	stop = func() string {
		once.Do(func() {
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
		return stderr.String()
	}
	t.Cleanup(func() { stop() })
	sc := bufio.NewScanner(pr)
	for flightsql == "" && sc.Scan() {
		if k, v, _ := strings.Cut(sc.Text(), "="); k == "flightsql" {
			flightsql = v
		}
	}
	go io.Copy(io.Discard, pr)
	if flightsql == "" {
		t.Fatalf("serve printed no flightsql address; stderr:\n%s", stderr.String())
	}
	return flightsql, stop
}

// TestServeDefaultLogIsQuiet checks issue 13's quieter defaults: at the
// default log level, a server without authentication writes no line per
// query on stderr (the README's tour runs serve in the same shell as the
// queries), while with authentication on every query leaves its audit
// line at that same level.
func TestServeDefaultLogIsQuiet(t *testing.T) {
	const marker = "quiet_marker_42"
	cases := []struct {
		name      string
		apiKeys   string
		args      []string
		wantAudit bool
	}{
		{name: "open", wantAudit: false},
		{name: "authenticated", apiKeys: `[{"name": "auditor", "key": "` + cliAdminKey + `", "scope": "admin"}]`,
			args: []string{"--api-key", cliAdminKey}, wantAudit: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("MICROMEGAS_API_KEYS", c.apiKeys)
			t.Setenv("MICROMEGAS_API_KEY", "")
			t.Setenv("HOME", t.TempDir()) // no token file of a real login
			flightsql, stop := serveDefaultLog(t)
			var out, errb bytes.Buffer
			args := append([]string{"query", "--analytics-url", flightsql, "--format", "csv", "SELECT 1 AS " + marker}, c.args...)
			if err := run(context.Background(), args, &out, &errb); err != nil || !strings.Contains(out.String(), marker) {
				t.Fatalf("query: %q %v\n%s", out.String(), err, errb.String())
			}
			stderr := stop()
			if !strings.Contains(stderr, "level=INFO") {
				t.Fatalf("serve's stderr has no startup line at the default level:\n%s", stderr)
			}
			var perQuery []string
			for _, line := range strings.Split(stderr, "\n") {
				if strings.Contains(line, marker) {
					perQuery = append(perQuery, line)
				}
			}
			switch {
			case !c.wantAudit && len(perQuery) != 0:
				t.Errorf("an open server at the default log level logged the query:\n%s", strings.Join(perQuery, "\n"))
			case c.wantAudit && (len(perQuery) != 1 || !strings.Contains(perQuery[0], "msg=audit subject=auditor") || !strings.Contains(perQuery[0], "action=query")):
				t.Errorf("with authentication on, stderr has %d line(s) with the query, want its one audit line:\n%s", len(perQuery), stderr)
			}
		})
	}
}
