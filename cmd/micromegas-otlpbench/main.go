// Command micromegas-otlpbench measures OTLP ingestion with the
// OpenTelemetry Go SDK as the load: each of N clients is a process of its
// own (a resource with its own service.instance.id) whose TracerProvider
// or LoggerProvider exports through the SDK's OTLP/HTTP (protobuf) or
// OTLP/gRPC exporter with the SDK's batch processor (512 records per
// request), and creates traces of 8 spans or log records as fast as it
// can. It reports the records the server acknowledged per second and,
// given the server's pid, per second of the server's CPU time.
//
//	micromegas serve --otlp-grpc-addr 127.0.0.1:4317 &
//	micromegas-otlpbench -signal traces -clients 4 -duration 10s -server-pid $!
//	micromegas-otlpbench -signal logs -grpc -endpoint 127.0.0.1:4317 -server-pid $!
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "micromegas-otlpbench:", err)
		}
		os.Exit(1)
	}
}

// config holds the command line.
type config struct {
	endpoint  string
	grpc      bool
	signal    string
	clients   int
	duration  time.Duration
	warmup    time.Duration
	serverPID int
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("micromegas-otlpbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.endpoint, "endpoint", "127.0.0.1:9000", "host:port of the OTLP/HTTP (ingestion) or, with -grpc, OTLP/gRPC server")
	fs.BoolVar(&c.grpc, "grpc", false, "export with OTLP/gRPC instead of OTLP/HTTP")
	fs.StringVar(&c.signal, "signal", "traces", "what to send: traces or logs")
	fs.IntVar(&c.clients, "clients", 4, "concurrent SDK clients, each a process of its own")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "measured run time")
	fs.DurationVar(&c.warmup, "warmup", 2*time.Second, "load before the measurement starts")
	fs.IntVar(&c.serverPID, "server-pid", 0, "pid of the server, to report its CPU time (Linux /proc)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	case c.signal != "traces" && c.signal != "logs":
		return c, fmt.Errorf("-signal %q: want traces or logs", c.signal)
	case c.clients < 1 || c.duration <= 0 || c.warmup < 0:
		return c, errors.New("want -clients ≥ 1, -duration > 0 and -warmup ≥ 0")
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	return bench(ctx, cfg, stdout)
}
