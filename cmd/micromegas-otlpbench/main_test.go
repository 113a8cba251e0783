package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog/sqlite"
	"github.com/micromegas-go/micromegas/internal/ingest"
	"github.com/micromegas-go/micromegas/internal/otlp"
)

// serveOTLP runs an ingestion server with the OTLP routes and an
// OTLP/gRPC server, on SQLite and a folder, and returns their addresses.
func serveOTLP(t *testing.T) (httpAddr, grpcAddr string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	c, err := sqlite.Open(ctx, filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	b, err := blobstore.Open(ctx, "file://"+filepath.Join(dir, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	r, err := otlp.New(otlp.Options{Catalog: c, Blobs: b})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ingest.New(ingest.Options{Addr: "127.0.0.1:0", Catalog: c, Blobs: b, Routes: r.Routes()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	g := otlp.NewGRPCServer(r, otlp.GRPCOptions{Addr: "127.0.0.1:0"})
	if err := g.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Shutdown(context.Background()) })
	return s.Addr().String(), g.Addr().String()
}

// TestRuns runs short benchmarks of both signals over both transports
// against a server in this process, and checks each reports
// acknowledged records, none failed, and the server's CPU time.
func TestRuns(t *testing.T) {
	httpAddr, grpcAddr := serveOTLP(t)
	for _, tc := range [][]string{
		{"-signal", "traces", "-endpoint", httpAddr},
		{"-signal", "logs", "-endpoint", httpAddr},
		{"-signal", "traces", "-grpc", "-endpoint", grpcAddr},
		{"-signal", "logs", "-grpc", "-endpoint", grpcAddr},
	} {
		t.Run(strings.Join(tc, " "), func(t *testing.T) {
			var out bytes.Buffer
			args := append(tc, "-clients", "2", "-warmup", "200ms", "-duration", "1s", "-server-pid", strconv.Itoa(os.Getpid()))
			if err := run(context.Background(), args, &out, &out); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			// The measured window may see no export complete on a loaded
			// machine: the whole run, final flush included, must.
			m := regexp.MustCompile(`whole run, with the final flush: (\d+) records acknowledged \((\d+) failed\)`).FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("no whole-run line in:\n%s", out.String())
			}
			if n, _ := strconv.Atoi(m[1]); n == 0 || m[2] != "0" {
				t.Errorf("%q: want records acknowledged and none failed", m[0])
			}
			for _, want := range []string{"records/s", "client CPU"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("report lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-signal", "metrics"}, {"-clients", "0"}, {"-duration", "0s"}, {"extra"}} {
		if err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
