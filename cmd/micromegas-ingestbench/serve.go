package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/catalog/postgres"
	"github.com/micromegas-go/micromegas/internal/catalog/sqlite"
	"github.com/micromegas-go/micromegas/internal/ingest"
)

// inProcess is an ingestion service running in the benchmark's process.
type inProcess struct {
	base    string
	srv     *ingest.Server
	catalog catalog.Store
	blobs   *blobstore.Store
	tmpDir  string
}

// serve starts the ingestion service on a free loopback port.
func serve(ctx context.Context, cfg config) (_ *inProcess, err error) {
	s := &inProcess{}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	dir := cfg.dataDir
	if dir == "" {
		if s.tmpDir, err = os.MkdirTemp("", "micromegas-ingestbench-"); err != nil {
			return nil, err
		}
		dir = s.tmpDir
	}
	switch {
	case cfg.sql == "":
		s.catalog, err = sqlite.Open(ctx, filepath.Join(dir, "catalog.db"))
	case strings.HasPrefix(cfg.sql, "postgres://"), strings.HasPrefix(cfg.sql, "postgresql://"):
		s.catalog, err = postgres.Open(ctx, cfg.sql)
	default:
		err = errors.New("-sql: want postgres://user@host:port/db, or nothing for SQLite in -data-dir")
	}
	if err != nil {
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	objects := cfg.objects
	if objects == "" {
		objects = "file://" + filepath.Join(dir, "objects")
	}
	if s.blobs, err = blobstore.Open(ctx, objects); err != nil {
		return nil, err
	}
	if err = s.blobs.Ping(ctx); err != nil {
		return nil, err
	}
	if s.srv, err = ingest.New(ingest.Options{Addr: "127.0.0.1:0", Catalog: s.catalog, Blobs: s.blobs}); err != nil {
		return nil, err
	}
	if err = s.srv.Start(ctx); err != nil {
		return nil, err
	}
	s.base = "http://" + s.srv.Addr().String()
	return s, nil
}

func (s *inProcess) close() {
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s.srv.Shutdown(ctx)
		cancel()
	}
	if s.blobs != nil {
		s.blobs.Close()
	}
	if s.catalog != nil {
		s.catalog.Close()
	}
	if s.tmpDir != "" {
		os.RemoveAll(s.tmpDir)
	}
}
