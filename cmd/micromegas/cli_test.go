package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/micromegas-go/micromegas/internal/perfetto/perfettotest"
	"github.com/micromegas-go/micromegas/telemetry"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/cli.md")

// TestDocsUpToDate fails when docs/cli.md differs from the commands' help.
func TestDocsUpToDate(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "MICROMEGAS_") {
			t.Setenv(k, "") // envOr ignores empty values: the documented defaults
		}
	}
	var buf bytes.Buffer
	if err := writeDocs(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "cli.md")
	if *updateDocs {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read docs/cli.md (regenerate it with go run ./cmd/micromegas --write-docs docs/cli.md): %v", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("docs/cli.md is out of date: regenerate it with go run ./cmd/micromegas --write-docs docs/cli.md (or go test ./cmd/micromegas -run TestDocsUpToDate -update)")
	}
}

func TestParseTimeArg(t *testing.T) {
	now := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{"now", now},
		{"1h", now.Add(-time.Hour)},
		{"30m", now.Add(-30 * time.Minute)},
		{"7d", now.Add(-7 * 24 * time.Hour)},
		{"2w", now.Add(-14 * 24 * time.Hour)},
		{"90s", now.Add(-90 * time.Second)},
		{"1.5h", now.Add(-90 * time.Minute)},
		{"1h30m", now.Add(-90 * time.Minute)},
		{"2026-01-02T03:04:05Z", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"2026-01-02T03:04:05.5+01:00", time.Date(2026, 1, 2, 2, 4, 5, 5e8, time.UTC)},
	}
	for _, tt := range tests {
		got, err := parseTimeArg("--begin", tt.in, now)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseTimeArg(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"yesterday", "-1h", "1y", "2026-01-02"} {
		if _, err := parseTimeArg("--begin", bad, now); err == nil || !strings.Contains(err.Error(), "RFC3339") {
			t.Errorf("parseTimeArg(%q): got %v, want an error explaining the forms", bad, err)
		}
	}
	if _, err := timeRange("", "1h"); err == nil {
		t.Error("--end without --begin should fail")
	}
	if _, err := timeRange("1h", "2h"); err == nil || !strings.Contains(err.Error(), "before") {
		t.Errorf("--end before --begin: %v", err)
	}
	tr, err := timeRange("1h", "")
	if err != nil || time.Since(tr.End) > time.Minute {
		t.Errorf("--begin alone should end now: %v, %v", tr, err)
	}
}

var (
	cliWarn   = telemetry.NewLogSite(telemetry.LevelWarn, "cli/worker", "warned %d")
	cliError  = telemetry.NewLogSite(telemetry.LevelError, "cli/main", "failed to open the door")
	cliMetric = telemetry.NewMetricTarget("cli/metrics", "frame_time", "ms", "cli.go", 1)
	cliSpan   = telemetry.NewSpanTarget("cli/spans", "frame", "cli.go", 2)
	cliChild  = telemetry.NewSpanTarget("cli/spans", "draw", "cli.go", 3)
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestClientCommands runs every client command against `micromegas serve`
// fed by an instrumented process.
func TestClientCommands(t *testing.T) {
	ingestion, flightsql := serveForTest(t)
	// The server runs in this process and records its own requests into
	// this telemetry (dogfooding): at info level, and without runtime
	// metrics, they stay out of the logs and measures the test counts.
	guard, err := telemetry.Init(telemetry.Config{URL: ingestion, EnableCPUTracing: true, MaxLevel: telemetry.LevelDebug,
		TargetLevels: map[string]telemetry.Level{"micromegas/": telemetry.LevelInfo}, RuntimeMetricsPeriod: telemetry.RuntimeMetricsOff})
	if err != nil {
		t.Fatal(err)
	}
	pid := guard.ProcessID()
	defer guard.Shutdown(context.Background())
	for i := range 5 {
		cliWarn.Logf(i)
	}
	cliError.Log()
	for i := range 20 {
		cliMetric.RecordFloat(float64(i))
	}
	track := telemetry.NewTrack("render", nil)
	for range 3 {
		track.Begin(cliSpan)
		track.Begin(cliChild)
		time.Sleep(100 * time.Microsecond)
		track.End(cliChild)
		track.End(cliSpan)
	}
	track.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := guard.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	cli := func(t *testing.T, args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		args = append(args, "--analytics-url", flightsql)
		if err := run(ctx, args, &out, &errb); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errb.String())
		}
		return out.String(), errb.String()
	}
	dir := t.TempDir()

	t.Run("query parquet file", func(t *testing.T) {
		path := filepath.Join(dir, "logs.parquet")
		cli(t, "query", "SELECT level, msg FROM log_entries ORDER BY time", "--format", "parquet", "-o", path)
		pf, err := file.OpenParquetFile(path, false)
		if err != nil {
			t.Fatalf("not a Parquet file: %v", err)
		}
		defer pf.Close()
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := fr.ReadTable(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tbl.Release()
		if tbl.NumRows() != 6 || tbl.Schema().Field(1).Name != "msg" {
			t.Errorf("parquet: %d rows, schema %s", tbl.NumRows(), tbl.Schema())
		}
	})
	t.Run("query arrow file", func(t *testing.T) {
		path := filepath.Join(dir, "logs.arrow")
		cli(t, "query", "--format", "arrow", "--output", path, "SELECT level FROM log_entries")
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fr, err := ipc.NewFileReader(f)
		if err != nil {
			t.Fatalf("not an Arrow file: %v", err)
		}
		defer fr.Close()
		n := int64(0)
		for i := range fr.NumRecords() {
			rec, err := fr.RecordBatch(i)
			if err != nil {
				t.Fatal(err)
			}
			n += rec.NumRows()
		}
		if n != 6 {
			t.Errorf("arrow file: %d rows, want 6", n)
		}
	})
	t.Run("query progress and relative range", func(t *testing.T) {
		out, errOut := cli(t, "query", "--progress", "--begin", "1h", "--format", "csv", "SELECT count(*) AS n FROM log_entries")
		if out != "n\n6\n" {
			t.Errorf("count over the last hour = %q", out)
		}
		if !strings.Contains(errOut, "1 rows") || !strings.Contains(errOut, "rows/s") {
			t.Errorf("progress line missing: %q", errOut)
		}
		out, _ = cli(t, "query", "--begin", "2000-01-01T00:00:00Z", "--end", "2000-01-02T00:00:00Z", "--format", "csv",
			"SELECT count(*) AS n FROM log_entries")
		if out != "n\n0\n" {
			t.Errorf("count in 2000 = %q, want 0", out)
		}
		out, _ = cli(t, "query", "--limit", "2", "--format", "csv", "SELECT msg FROM log_entries")
		if strings.Count(out, "\n") != 3 {
			t.Errorf("--limit 2: %q", out)
		}
	})
	t.Run("processes", func(t *testing.T) {
		out, _ := cli(t, "processes", "--since", "1h", "--format", "json")
		var rows []map[string]any
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if len(rows) != 1 || rows[0]["process_id"] != pid || rows[0]["exe"] == "" {
			t.Errorf("processes = %v", rows)
		}
		out, _ = cli(t, "processes", "--exe", "no-such-program")
		if strings.Contains(out, pid) {
			t.Errorf("--exe filter kept the process:\n%s", out)
		}
	})
	t.Run("logs", func(t *testing.T) {
		out, _ := cli(t, "logs", pid)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 6 || !strings.Contains(lines[0], " WARN cli/worker: warned 0") {
			t.Fatalf("logs:\n%s", out)
		}
		out, _ = cli(t, "logs", pid, "--level", "error")
		if strings.TrimSpace(out) == "" || strings.Contains(out, "WARN") || !strings.Contains(out, "ERROR cli/main: failed to open the door") {
			t.Errorf("--level error:\n%s", out)
		}
		out, _ = cli(t, "logs", "--grep", "WARNED 3", pid)
		if strings.Count(out, "\n") != 1 || !strings.Contains(out, "warned 3") {
			t.Errorf("--grep:\n%s", out)
		}
		out, _ = cli(t, "logs", pid, "--target", "cli/main", "--format", "csv")
		if !strings.HasPrefix(out, "time,level,target,msg\n") || strings.Count(out, "\n") != 2 {
			t.Errorf("--target --format csv:\n%s", out)
		}
	})
	t.Run("logs follow", func(t *testing.T) {
		fctx, fcancel := context.WithCancel(ctx)
		out := &syncBuffer{}
		done := make(chan error, 1)
		go func() {
			done <- run(fctx, []string{"logs", pid, "--follow", "--poll", "100ms", "--limit", "2", "--analytics-url", flightsql}, out, io.Discard)
		}()
		waitFor(t, out, "warned 4")
		if strings.Contains(out.String(), "warned 3") {
			t.Errorf("--follow --limit 2 should start with the last 2 entries:\n%s", out.String())
		}
		cliWarn.Logf(99)
		if err := guard.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		waitFor(t, out, "warned 99")
		fcancel()
		if err := <-done; err != nil {
			t.Errorf("follow: %v", err)
		}
		if n := strings.Count(out.String(), "warned 99"); n != 1 {
			t.Errorf("new entry printed %d times:\n%s", n, out.String())
		}
	})
	t.Run("metrics", func(t *testing.T) {
		out, _ := cli(t, "metrics", pid, "--format", "csv", "--name", "frame_time")
		if !strings.HasPrefix(out, "time,target,name,unit,value\n") || strings.Count(out, "frame_time") != 20 {
			t.Errorf("metrics:\n%s", out)
		}
		out, _ = cli(t, "metrics", pid, "--stats", "--format", "json", "--name", "frame_time")
		var rows []map[string]any
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0]["count"] != float64(20) || rows[0]["max"] != float64(19) || rows[0]["avg"] != 9.5 {
			t.Errorf("metrics --stats = %v", rows)
		}
	})
	t.Run("perfetto", func(t *testing.T) {
		path := filepath.Join(dir, "trace.pftrace")
		out, _ := cli(t, "perfetto", pid, "-o", path, "--spans", "thread")
		if !strings.Contains(out, "wrote "+path) {
			t.Errorf("perfetto output: %q", out)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := perfettotest.Decode(b)
		if err != nil {
			t.Fatalf("invalid trace: %v", err)
		}
		slices, err := tr.Slices()
		if err != nil {
			t.Fatal(err)
		}
		var frames, draws int
		for _, s := range slices {
			switch {
			case s.Name == "frame" && s.Depth == 0:
				frames++
			case s.Name == "draw" && s.Depth == 1:
				draws++
			}
		}
		if frames != 3 || draws != 3 {
			t.Errorf("trace has %d frame and %d draw slices at the right depth, want 3 and 3: %+v", frames, draws, slices)
		}
	})
}

func waitFor(t *testing.T, out *syncBuffer, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("%q never appeared in:\n%s", text, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestClientUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"logs"}, "process id is required"},
		{[]string{"logs", "a", "b"}, "too many arguments"},
		{[]string{"logs", "p", "--level", "loud"}, "fatal, error, warn"},
		{[]string{"logs", "p", "--follow", "--format", "csv"}, "--follow prints text"},
		{[]string{"metrics"}, "process id is required"},
		{[]string{"perfetto", "p", "--spans", "gpu"}, "thread, async or both"},
		{[]string{"processes", "extra"}, "unexpected arguments"},
		{[]string{"query", "--end", "1h", "SELECT 1"}, "--end needs --begin"},
		{[]string{"query", "--format", "parquet", "SELECT 1", "--limit", "-1"}, "--limit"},
		{[]string{writeDocsFlag}, "one argument"},
	} {
		err := run(context.Background(), c.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want an error containing %q", c.args, err, c.want)
		}
	}
}
