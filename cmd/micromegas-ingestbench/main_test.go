package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestInProcessRun runs a short benchmark against the in-process server
// on SQLite and a folder and checks that it reports acknowledged blocks.
func TestInProcessRun(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"-serve", "-data-dir", t.TempDir(), "-clients", "2", "-events", "100",
		"-warmup", "100ms", "-duration", "500ms"}
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s%s", err, out.String(), errOut.String())
	}
	m := regexp.MustCompile(`blocks: +(\d+) in .* \((\d+) failed\)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no blocks line in:\n%s", out.String())
	}
	if n, _ := strconv.Atoi(m[1]); n == 0 || m[2] != "0" {
		t.Errorf("blocks line %q: want some blocks and none failed", m[0])
	}
	for _, want := range []string{"MB/s", "M events/s", "p50", "p99", "per busy core-second", "per server core-second"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-clients", "0"},
		{"-duration", "0s"},
		{"extra"},
		{"-serve", "-sql", "mysql://x"},
	} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
