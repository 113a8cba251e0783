// Package e2e runs the web UI in a real browser against a real server:
// Debian's Chromium driven by Playwright (npm playwright-core, never a
// browser download), `micromegas serve` built from this repository and
// run as a user runs it (its own process, built without the race
// detector, which would make converting millions of events minutes long),
// loaded with examples/hello and the load generator. The browser opens
// the URL serve prints. browser.mjs holds the steps; this test prepares
// the data, runs it with node and fails on its failures.
//
// Outside programs come from scripts/testdeps.sh: chromium (apt-get) and
// ui/node_modules (npm ci). Screenshots go to $MICROMEGAS_UI_SCREENSHOTS
// (a path from the repository's root; docs/screenshots refreshes the
// README's) or a temporary folder;
// the measured figures (Performance API) are printed and written to
// $MICROMEGAS_UI_FIGURES when set.
package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// chromiumPath is Debian's Chromium, installed by scripts/testdeps.sh.
const chromiumPath = "/usr/bin/chromium"

// Events the load generator sends: a million log entries from one
// process and a million thread spans from another.
const (
	loadLogEvents  = 1_000_000
	loadSpanEvents = 2_000_000 // a begin and an end per span
)

func uiDir(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// requireTools fails (never skips) when a program the test needs is
// missing, naming the command that provides it.
func requireTools(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is missing: install Node.js 20 (the machine's), then run scripts/testdeps.sh")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s is missing: run scripts/testdeps.sh (apt-get install -y chromium)", chromiumPath)
	}
	if _, err := os.Stat(filepath.Join(uiDir(t), "node_modules", "playwright-core")); err != nil {
		t.Fatal("ui/node_modules/playwright-core is missing: run scripts/testdeps.sh (npm ci in ui/)")
	}
	return node
}

func TestBrowser(t *testing.T) {
	node := requireTools(t)
	ctx, cancel := context.WithTimeout(t.Context(), 9*time.Minute)
	defer cancel()
	bin := buildPrograms(t, "./cmd/micromegas", "./examples/hello", "./cmd/micromegas-loadgen")
	ingest, web := serve(t, bin["micromegas"])
	hello := runHello(t, ctx, bin["hello"], ingest)
	loadgen := func(kind string, events int) int {
		// 2 goroutines for 2 s aiming at 1.5 x events: on a loaded machine
		// the pacing falls short of its target.
		out, err := exec.CommandContext(ctx, bin["micromegas-loadgen"], "--url", ingest, "--events-kind", kind,
			"--goroutines", "2", "--duration", "2s", "--rate", fmt.Sprint(events*3/4), "--json").Output()
		if err != nil {
			t.Fatalf("loadgen %s: %v\n%s", kind, err, out)
		}
		var res struct {
			Produced int `json:"events_produced"`
		}
		if err := json.Unmarshal(out, &res); err != nil || res.Produced < events {
			t.Fatalf("loadgen %s produced %d events, want %d: %v\n%s", kind, res.Produced, events, err, out)
		}
		t.Logf("loadgen %s: %d events", kind, res.Produced)
		return res.Produced
	}
	logEntries := loadgen("log", loadLogEvents)
	loadgen("span", loadSpanEvents)
	pids := loadgenProcesses(t, strings.TrimSuffix(web, "/"))

	shots := os.Getenv("MICROMEGAS_UI_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if !filepath.IsAbs(shots) {
		shots = filepath.Join(filepath.Dir(uiDir(t)), shots) // relative to the repository's root
	}
	figures := filepath.Join(t.TempDir(), "figures.json")
	cfg := map[string]any{
		"base": strings.TrimSuffix(web, "/"), "chromium": chromiumPath, "profile": t.TempDir(), "screenshots": shots, "figures": figures,
		"hello": hello, "loadLogs": pids[0], "loadLogEntries": logEntries, "loadSpans": pids[1], "downloads": t.TempDir(),
	}
	runSteps(t, ctx, node, "browser.mjs", cfg)
	keepFigures(t, figures, "MICROMEGAS_UI_FIGURES")
}

// runSteps runs the browser steps of script (a file of ui/e2e) with node,
// handing it cfg as a JSON file, logs what it prints and fails the test
// when it exits with an error.
func runSteps(t *testing.T, ctx context.Context, node, script string, cfg map[string]any) {
	t.Helper()
	cfgPath := filepath.Join(t.TempDir(), "config.json")
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, node, filepath.Join(uiDir(t), "e2e", script), cfgPath)
	cmd.Dir = uiDir(t)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		t.Log(sc.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("the steps of %s failed (%v): see the lines above", script, err)
	}
}

// keepFigures logs the figures the browser steps wrote to path, copies
// them to the file named by the environment variable env when it is set,
// and fails the test when the steps wrote none.
func keepFigures(t *testing.T, path, env string) {
	t.Helper()
	f, err := os.ReadFile(path)
	if err != nil {
		if !t.Failed() {
			t.Errorf("the browser steps wrote no figures: %v", err)
		}
		return
	}
	t.Logf("figures: %s", f)
	if dst := os.Getenv(env); dst != "" {
		if err := os.WriteFile(dst, f, 0o644); err != nil {
			t.Errorf("copy the figures to %s: %v", dst, err)
		}
	}
}

// serve runs `micromegas serve` on free ports in a temporary data folder
// (with the environment variables env added) until the test ends, and returns the ingestion URL and the web UI's URL
// as serve prints them.
func serve(t *testing.T, bin string, env ...string) (ingest, web string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--data-dir", t.TempDir(), "--ingestion-addr", "127.0.0.1:0",
		"--flightsql-addr", "127.0.0.1:0", "--web-addr", "127.0.0.1:0", "--otlp-grpc-addr", "127.0.0.1:0", "--log-level", "warn")
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start micromegas serve: %v", err)
	}
	done := make(chan error, 1)
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("micromegas serve: %v\n%s", err, stderr.String())
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Errorf("micromegas serve did not stop within 30 s of SIGINT")
		}
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		done <- cmd.Wait()
	}()
	timeout := time.After(2 * time.Minute)
	for ingest == "" || web == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("micromegas serve exited before printing its addresses:\n%s", stderr.String())
			}
			if v, ok := strings.CutPrefix(line, "ingestion="); ok {
				ingest = v
			}
			// The line a user reads: "web UI: open http://... in a browser".
			if v, ok := strings.CutPrefix(line, "web UI: open "); ok {
				web, _, _ = strings.Cut(v, " ")
			}
		case <-timeout:
			t.Fatalf("micromegas serve printed no addresses within 2 minutes:\n%s", stderr.String())
		}
	}
	go func() {
		for range lines {
		}
	}()
	return ingest, web
}

// buildPrograms builds the repository's commands into a temporary folder.
func buildPrograms(t *testing.T, pkgs ...string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Dir(uiDir(t))
	args := append([]string{"build", "-o", dir + string(os.PathSeparator)}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", pkgs, err, out)
	}
	out := map[string]string{}
	for _, p := range pkgs {
		out[filepath.Base(p)] = filepath.Join(dir, filepath.Base(p))
	}
	return out
}

// runHello runs examples/hello against the server (with the environment
// variables env added) and returns its process id.
func runHello(t *testing.T, ctx context.Context, bin, ingest string, env ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(), "MICROMEGAS_TELEMETRY_URL="+ingest, "MICROMEGAS_ENABLE_CPU_TRACING=true")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("examples/hello: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if id, ok := strings.CutPrefix(line, "process "); ok {
			return strings.TrimSpace(id)
		}
	}
	t.Fatalf("examples/hello printed no process id:\n%s", out)
	return ""
}

// loadgenProcesses returns the load generator's processes, oldest first,
// through the HTTP API, once their events are all queryable.
func loadgenProcesses(t *testing.T, web string) []string {
	t.Helper()
	var rows []struct {
		ProcessID string  `json:"process_id"`
		Events    float64 `json:"events"`
	}
	deadline := time.Now().Add(time.Minute)
	for {
		rows = rows[:0]
		body := `{"sql": "SELECT process_id, sum(nb_objects) AS events FROM blocks WHERE \"processes.exe\" LIKE '%loadgen%' GROUP BY process_id ORDER BY min(\"processes.start_time\")"}`
		resp, err := http.Post(web+"/api/query", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := json.Unmarshal(b, &rows); err != nil {
			t.Fatalf("query loadgen processes: %v: %s", err, b)
		}
		if len(rows) == 2 && rows[0].Events >= loadLogEvents && rows[1].Events >= loadSpanEvents {
			return []string{rows[0].ProcessID, rows[1].ProcessID}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the load generator's events are not all stored after a minute: %+v", rows)
		}
		time.Sleep(time.Second)
	}
}
