package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// envTestMain makes the test binary run as micromegas itself, so that a
// test can start `micromegas serve` as a process of its own.
const envTestMain = "MICROMEGAS_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envTestMain) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestServeTracesItself: a `micromegas serve` process whose telemetry goes
// to another server (MICROMEGAS_TELEMETRY_URL) shows its own requests
// there: HTTP spans of its web and ingestion roles, FlightSQL call spans,
// with the trace id of the request's traceparent (or a fresh one),
// request-duration metrics, and the Go runtime metrics.
func TestServeTracesItself(t *testing.T) {
	collector, collectorSQL := serveForTest(t)

	cmd := exec.Command(os.Args[0], "serve", "--data-dir", t.TempDir(), "--ingestion-addr", "127.0.0.1:0",
		"--flightsql-addr", "127.0.0.1:0", "--web-addr", "127.0.0.1:0", "--otlp-grpc-addr", "127.0.0.1:0", "--log-level", "warn")
	cmd.Env = append(os.Environ(), envTestMain+"=1", "MICROMEGAS_TELEMETRY_URL="+collector,
		"MICROMEGAS_ENABLE_CPU_TRACING=true", "MICROMEGAS_FLUSH_PERIOD=1s")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve under test: %v", err)
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Error("serve under test did not stop")
		}
	}
	t.Cleanup(stop)
	addrs := map[string]string{}
	sc := bufio.NewScanner(stdout)
	for (addrs["web"] == "" || addrs["flightsql"] == "" || addrs["ingestion"] == "") && sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		addrs[k] = v
	}
	go io.Copy(io.Discard, stdout)
	if addrs["web"] == "" || addrs["flightsql"] == "" || addrs["ingestion"] == "" {
		t.Fatalf("serve under test printed %v", addrs)
	}

	// One request of each role; the web request carries a W3C trace.
	const incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	req, _ := http.NewRequest(http.MethodPost, addrs["web"]+"/api/query", strings.NewReader(`{"sql": "SELECT 1 AS one"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", incoming)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Post(addrs["ingestion"]+"/ingestion/insert_block", "application/cbor", strings.NewReader("not cbor"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := run(context.Background(), []string{"query", "--analytics-url", addrs["flightsql"], "SELECT 2 AS two"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	stop() // flushes its telemetry

	query := func(sql string) string {
		t.Helper()
		var out strings.Builder
		if err := run(context.Background(), []string{"query", "--analytics-url", collectorSQL, "--format", "csv", sql}, &out, io.Discard); err != nil {
			t.Fatalf("query %q: %v", sql, err)
		}
		return out.String()
	}
	pids := strings.Fields(query("SELECT process_id FROM processes"))
	if len(pids) != 2 {
		t.Fatalf("processes seen by the collector: %q, want the serve under test only", pids)
	}
	pid := pids[1]
	spans := query(fmt.Sprintf(`SELECT DISTINCT target, name FROM view_instance('async_events', '%s') ORDER BY ALL`, pid))
	for _, want := range []string{
		"micromegas/http/server,POST /api/query",
		"micromegas/http/server,POST /ingestion/insert_block",
		"micromegas/grpc/server,/arrow.flight.protocol.FlightService/GetFlightInfo",
		"micromegas/grpc/server,/arrow.flight.protocol.FlightService/DoGet",
	} {
		if !strings.Contains(spans, want+"\n") {
			t.Errorf("no span %q among\n%s", want, spans)
		}
	}
	// The trace ids of the requests: the incoming one, fresh ones for the
	// others (the ingestion request and the FlightSQL calls carried none).
	traces := query(fmt.Sprintf(`SELECT name, trace_id = '4bf92f3577b34da6a3ce929d0e0e4736', length(trace_id), otel_parent_span_id
		FROM view_instance('async_events', '%s') WHERE event_type = 'begin' AND target LIKE 'micromegas/%%' ORDER BY time`, pid))
	for _, want := range []string{
		"POST /api/query,true,32,00f067aa0ba902b7",
		"POST /ingestion/insert_block,false,32,",
		"/arrow.flight.protocol.FlightService/DoGet,false,32,",
	} {
		if !strings.Contains(traces, want+"\n") {
			t.Errorf("no span with trace %q among\n%s", want, traces)
		}
	}
	measures := query(fmt.Sprintf(`SELECT DISTINCT name, property_get(properties, 'route'), property_get(properties, 'status')
		FROM measures WHERE process_id = '%s' AND name LIKE 'http_server%%' ORDER BY ALL`, pid))
	for _, want := range []string{
		"http_server_request_duration,/api/query,200",
		"http_server_request_duration,/ingestion/insert_block,400",
		"http_server_response_size,/api/query,200",
	} {
		if !strings.Contains(measures, want+"\n") {
			t.Errorf("no measure %q among\n%s", want, measures)
		}
	}
	if rt := query(fmt.Sprintf(`SELECT count(*) FROM measures WHERE process_id = '%s' AND name = 'go_heap_live'`, pid)); strings.Fields(rt)[1] == "0" {
		t.Errorf("no runtime metrics from the serve under test: %q", rt)
	}
}
