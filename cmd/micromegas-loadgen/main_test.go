package main

import (
	"bytes"
	"encoding/json"
	"strings"
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
