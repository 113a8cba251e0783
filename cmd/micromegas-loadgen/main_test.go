package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestLoadgenDiscard(t *testing.T) {
	for _, kind := range []string{"log", "metric", "span", "async", "mixed"} {
		t.Run(kind, func(t *testing.T) {
			var out bytes.Buffer
			if err := run([]string{"--url", "discard", "--duration", "100ms", "--events-kind", kind, "--rate", "200000", "--json"}, &out); err != nil {
				t.Fatal(err)
			}
			var r Result
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatalf("%v: %s", err, out.String())
			}
			if r.Events == 0 || r.EventsEncoded+r.EventsLost < r.Events || r.MessagesSent == 0 || r.MessagesFailed != 0 {
				t.Errorf("result %+v", r)
			}
		})
	}
}

func TestLoadgenBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--url", ""}, "--url is required"},
		{[]string{"--url", "discard", "--events-kind", "nope"}, "want log, metric"},
		{[]string{"--url", "discard", "--goroutines", "0"}, "at least 1"},
	} {
		t.Setenv("MICROMEGAS_TELEMETRY_URL", "")
		err := run(c.args, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("run(%v) = %v, want an error about %q", c.args, err, c.want)
		}
	}
}

// TestStoredEvents reads the per-tag counts of a query API answer, and
// waits until two answers agree.
func TestStoredEvents(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ SQL string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.URL.Path != "/api/query" ||
			!strings.Contains(req.SQL, "process_id = 'p-1'") {
			http.Error(w, "bad query", http.StatusBadRequest)
			return
		}
		if calls.Add(1) == 1 { // the server still inserts the last blocks
			fmt.Fprint(w, `[{"tags":"log","n":5}]`)
			return
		}
		fmt.Fprint(w, `[{"tags":"log","n":7},{"tags":"metrics","n":3}]`)
	}))
	defer srv.Close()
	got, err := storedEvents(context.Background(), srv.URL, "p-1")
	if err != nil {
		t.Fatal(err)
	}
	if got["log"] != 7 || got["metrics"] != 3 || len(got) != 2 || calls.Load() != 3 {
		t.Errorf("stored %v after %d queries, want log 7, metrics 3 after 3", got, calls.Load())
	}
	if _, err := storedEvents(context.Background(), srv.URL, "p'; DROP"); err == nil {
		t.Error("a process id with a quote was accepted")
	}
}
