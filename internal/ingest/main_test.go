package ingest

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/catalog/postgres"
	"github.com/micromegas-go/micromegas/internal/catalog/sqlite"
)

// Environment of the child server that the crash test runs by re-executing
// the test binary.
const (
	envChildCatalog = "MICROMEGAS_INGEST_TEST_CHILD_CATALOG" // SQLite path or postgres:// URL
	envChildObjects = "MICROMEGAS_INGEST_TEST_CHILD_OBJECTS" // object store URI
)

func TestMain(m *testing.M) {
	if cat := os.Getenv(envChildCatalog); cat != "" {
		if err := runChild(cat, os.Getenv(envChildObjects)); err != nil {
			fmt.Fprintln(os.Stderr, "child server:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runChild serves ingestion on a free port, prints "addr=HOST:PORT" on
// stdout and serves until SIGTERM (or until it is killed).
func runChild(catalogConn, objects string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	var c catalog.Store
	var err error
	if strings.HasPrefix(catalogConn, "postgres://") {
		c, err = postgres.Open(ctx, catalogConn)
	} else {
		c, err = sqlite.Open(ctx, catalogConn)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	blobs, err := blobstore.Open(ctx, objects)
	if err != nil {
		return err
	}
	defer blobs.Close()
	s, err := New(Options{Addr: "127.0.0.1:0", Catalog: c, Blobs: blobs})
	if err != nil {
		return err
	}
	if err := s.Start(ctx); err != nil {
		return err
	}
	fmt.Printf("addr=%s\n", s.Addr())
	<-ctx.Done()
	return s.Shutdown(context.Background())
}
