package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/micromegas-go/micromegas/internal/loadtest"
)

// runPeer is `micromegas-loadtest peer`: the same log set into
// Micromegas and into VictoriaLogs v1.52.1 (built by
// scripts/victorialogs.sh), one after the other, and the same questions
// to both.
func runPeer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("micromegas-loadtest peer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("micromegas", "", "the micromegas binary; empty: built from ./cmd/micromegas (run from the repository root)")
	vl := fs.String("victoria-logs", defaultVictoriaLogs(), "the victoria-logs binary (scripts/victorialogs.sh build)")
	lines := fs.Int("lines", 2_000_000, "log lines, spread over the last day")
	procs := fs.Int("processes", 8, "processes the lines come from")
	runs := fs.Int("runs", 5, "timed runs of each query (after a warm-up); the median is reported")
	workDir := fs.String("work-dir", "", "folder of both servers' data, kept; empty: a temporary folder, deleted")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(*vl); err != nil {
		return fmt.Errorf("victoria-logs not found at %s: build it with scripts/victorialogs.sh build (or give --victoria-logs)", *vl)
	}
	if *bin == "" {
		dir, err := os.MkdirTemp("", "micromegas-peer-bin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if *bin, err = buildMicromegas(ctx, dir, stderr); err != nil {
			return err
		}
	}
	rep, err := loadtest.RunPeer(ctx, loadtest.PeerConfig{Micromegas: *bin, VictoriaLogs: *vl, Processes: *procs, Lines: *lines,
		Runs: *runs, WorkDir: *workDir, Log: stderr})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.Write(stdout)
	return nil
}

// defaultVictoriaLogs is where scripts/victorialogs.sh builds the binary.
func defaultVictoriaLogs() string {
	if p := os.Getenv("MICROMEGAS_VICTORIALOGS_BIN"); p != "" {
		return p
	}
	cache := os.Getenv("MICROMEGAS_CI_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "micromegas-ci")
	}
	return filepath.Join(cache, "bin", "victoria-logs")
}
