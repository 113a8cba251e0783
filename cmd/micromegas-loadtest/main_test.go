package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/loadtest"
)

// TestMain makes the test binary an emitter process when the harness
// starts it as one.
func TestMain(m *testing.M) {
	if os.Getenv(loadtest.EnvEmitURL) != "" {
		if err := loadtest.EmitMain(); err != nil {
			fmt.Fprintln(os.Stderr, "emitter:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestLoadWithFaults is the CI version of the load and fault run: a
// minute of load from 8 emitters on the full topology, with one fault of
// each kind, and nothing acknowledged may be lost or duplicated.
func TestLoadWithFaults(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "micromegas")
	build := exec.Command("go", "build", "-tags=duckdb_arrow", "-o", bin, "../micromegas")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build micromegas: %v\n%s", err, out)
	}
	var log strings.Builder
	// Inside the 20-minute limit of scripts/test.sh: when the machine is too slow,
	// the harness stops waiting and the test fails with its report.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	rep, err := loadtest.Run(ctx, loadtest.Config{
		Micromegas: bin, EmitCommand: []string{os.Args[0]},
		Emitters: 8, Rate: 400, Duration: time.Minute, Faults: true, S3Outage: 30 * time.Second,
		Log: os.Stderr, // progress lines, kept even if the test binary is killed
	})
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	rep.Write(&log)
	t.Log("\n" + log.String())
	if rep.BlocksAcked == 0 || rep.Final.Acked == 0 {
		t.Fatalf("no block was acknowledged")
	}
	if len(rep.Faults) != 4 {
		t.Fatalf("%d faults injected, want 4", len(rep.Faults))
	}
	for _, f := range rep.Faults {
		if f.Err != "" || !f.Check.OK() || f.Check.Acked == 0 {
			t.Errorf("fault %s: %s; %s", f.Name, f.Err, f.Check)
		}
	}
	if !rep.OK() {
		t.Errorf("acknowledged data was lost or duplicated")
	}
}
