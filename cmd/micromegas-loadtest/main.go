// Command micromegas-loadtest runs a Micromegas cluster of real processes
// on loopback under load, injects faults and checks that nothing
// acknowledged is lost or counted twice (package internal/loadtest):
//
//	micromegas-loadtest --duration 5m --emitters 8 --rate 2000
//
// starts a throwaway PostgreSQL cluster, SeaweedFS, 2 ingestion nodes, 2
// analytics nodes and 1 maintenance daemon (`micromegas serve --roles
// ...`), 8 instrumented emitter processes sending through a round-robin
// proxy, and queriers on both analytics nodes; kills an ingestion node
// and an analytics node mid-query (kill -9), stops SeaweedFS for 30 s and
// restarts PostgreSQL, checking after each; then prints the figures. It
// exits 1 when an acknowledged block was lost or duplicated.
//
//	micromegas-loadtest peer --lines 2000000
//
// is the side-by-side log benchmark against VictoriaLogs (peer.go).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/micromegas-go/micromegas/internal/loadtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "micromegas-loadtest:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "emit": // an emitter process started by the harness
			return loadtest.EmitMain()
		case "peer":
			return runPeer(ctx, args[1:], stdout, stderr)
		}
	}
	fs := flag.NewFlagSet("micromegas-loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("micromegas", "", "the micromegas binary; empty: built from ./cmd/micromegas into the work folder (run from the repository root)")
	emitters := fs.Int("emitters", 8, "instrumented emitter processes")
	rate := fs.Float64("rate", 2000, "events per second of each emitter (logs, metrics, thread and async spans)")
	duration := fs.Duration("duration", 5*time.Minute, "duration of the load; the checks come on top")
	faults := fs.Bool("faults", true, "inject the faults: kill -9 of an ingestion and of an analytics node, SeaweedFS stopped, PostgreSQL restarted")
	outage := fs.Duration("s3-outage", 30*time.Second, "how long SeaweedFS stays stopped")
	workDir := fs.String("work-dir", "", "folder of every process's data, kept after the run; empty: a temporary folder, deleted")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if *bin == "" {
		dir, err := os.MkdirTemp("", "micromegas-loadtest-bin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if *bin, err = buildMicromegas(ctx, dir, stderr); err != nil {
			return err
		}
	}
	rep, err := loadtest.Run(ctx, loadtest.Config{
		Micromegas: *bin, EmitCommand: []string{self, "emit"},
		Emitters: *emitters, Rate: *rate, Duration: *duration, Faults: *faults, S3Outage: *outage,
		WorkDir: *workDir, Log: stderr,
	})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		rep.Write(stdout)
	}
	if !rep.OK() {
		return errors.New("acknowledged data was lost or duplicated (see the report)")
	}
	return nil
}

// buildMicromegas builds ./cmd/micromegas (with the duckdb_arrow tag)
// into dir.
func buildMicromegas(ctx context.Context, dir string, log io.Writer) (string, error) {
	out := filepath.Join(dir, "micromegas")
	fmt.Fprintln(log, "building ./cmd/micromegas (once per run)")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags=duckdb_arrow", "-o", out, "./cmd/micromegas")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build micromegas (run from the repository root, or give --micromegas): %w", err)
	}
	return out, nil
}
