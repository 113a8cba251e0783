// Command micromegas-ingestbench measures the ingestion service: N
// concurrent clients POST real transit blocks (logs, metrics and spans in
// turn, with the type metadata of the original library) to a running
// server, and it reports blocks/s, MB/s, events/s, p50/p99 request latency
// and the CPU time spent, per core.
//
// Against a running server (micromegas serve):
//
//	micromegas-ingestbench -url http://127.0.0.1:9000 -clients 8 -duration 20s -server-pid $(pgrep -f 'micromegas serve')
//
// Or with the ingestion service in this process, on the stores named by
// -sql and -object-store, with a CPU profile of both sides:
//
//	micromegas-ingestbench -serve -sql postgres://... -object-store s3://... -cpuprofile cpu.out
//
// Every block carries a fresh id, so each request stores a new object and
// a new catalog row; the payloads are generated before the run and reused.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "micromegas-ingestbench:", err)
		}
		os.Exit(1)
	}
}

// config holds the command line.
type config struct {
	url        string
	apiKey     string
	clients    int
	duration   time.Duration
	warmup     time.Duration
	events     int
	templates  int
	serverPID  int
	serve      bool
	sql        string
	objects    string
	dataDir    string
	cpuProfile string
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("micromegas-ingestbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.url, "url", "http://127.0.0.1:9000", "base URL of the ingestion server (ignored with -serve)")
	fs.StringVar(&c.apiKey, "api-key", envOr("MICROMEGAS_INGESTION_API_KEY", ""), "API key sent as the bearer token, for a server with authentication (env MICROMEGAS_INGESTION_API_KEY)")
	fs.IntVar(&c.clients, "clients", 8, "concurrent clients, each one simulated process with a log, a metrics and a thread stream")
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "measured run time")
	fs.DurationVar(&c.warmup, "warmup", 2*time.Second, "load before the measurement starts (connections, caches, pools)")
	fs.IntVar(&c.events, "events", 10_000, "events per block")
	fs.IntVar(&c.templates, "templates", 2, "distinct payloads generated per stream and reused")
	fs.IntVar(&c.serverPID, "server-pid", 0, "pid of the server, to report its CPU time (Linux /proc)")
	fs.BoolVar(&c.serve, "serve", false, "run the ingestion service in this process, on -sql and -object-store")
	fs.StringVar(&c.sql, "sql", envOr("MICROMEGAS_SQL_CONNECTION_STRING", ""), "with -serve: catalog, postgres://... or empty for SQLite in -data-dir (env MICROMEGAS_SQL_CONNECTION_STRING)")
	fs.StringVar(&c.objects, "object-store", envOr("MICROMEGAS_OBJECT_STORE_URI", ""), "with -serve: object store URI, empty for a folder in -data-dir (env MICROMEGAS_OBJECT_STORE_URI)")
	fs.StringVar(&c.dataDir, "data-dir", "", "with -serve: folder of the SQLite catalog and local objects (default: a new temporary folder, removed at the end)")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured run to this file")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() != 0:
		return c, fmt.Errorf("unexpected arguments %q: every setting is a flag (see -h)", fs.Args())
	case c.clients < 1 || c.events < 1 || c.templates < 1:
		return c, errors.New("-clients, -events and -templates must be at least 1")
	case c.duration <= 0:
		return c, errors.New("-duration must be positive, such as 20s")
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	base := cfg.url
	if cfg.serve {
		srv, err := serve(ctx, cfg)
		if err != nil {
			return err
		}
		defer srv.close()
		base = srv.base
		cfg.serverPID = os.Getpid()
	}
	fmt.Fprintf(stdout, "target %s: %d clients, %d events per block, warmup %s, duration %s, GOMAXPROCS %d, %d CPUs\n",
		base, cfg.clients, cfg.events, cfg.warmup, cfg.duration, runtime.GOMAXPROCS(0), runtime.NumCPU())
	b, err := newBench(cfg, base)
	if err != nil {
		return err
	}
	if err := b.setup(ctx); err != nil {
		return err
	}
	var stopProfile func()
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		stopProfile = func() { pprof.StopCPUProfile() }
		b.onMeasureStart = func() {
			if err := pprof.StartCPUProfile(f); err != nil {
				fmt.Fprintln(stderr, "cpu profile:", err)
				stopProfile = func() {}
			}
		}
	}
	res, err := b.run(ctx)
	if stopProfile != nil {
		stopProfile()
	}
	if err != nil {
		return err
	}
	res.print(stdout)
	if res.failed > 0 {
		return fmt.Errorf("%d requests failed (first: %s)", res.failed, res.firstErr)
	}
	return nil
}
