// Package app assembles the roles of a Micromegas server (ingestion,
// analytics over FlightSQL) from a Config, so that the command line and
// the end-to-end tests run the same system.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/catalog/postgres"
	"github.com/micromegas-go/micromegas/internal/catalog/sqlite"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/flightsql"
	"github.com/micromegas-go/micromegas/internal/ingest"
	"github.com/micromegas-go/micromegas/internal/lakehouse"
	"github.com/micromegas-go/micromegas/internal/maintenance"
	"github.com/micromegas-go/micromegas/internal/web"
)

// Config describes a server. Zero fields take defaults.
type Config struct {
	// DataDir holds the embedded catalog, the local object store and the
	// partition cache (default ./micromegas-data).
	DataDir string
	// SQLConnectionString selects the catalog: "postgres://..." for
	// PostgreSQL; empty for SQLite in DataDir.
	SQLConnectionString string
	// ObjectStoreURI selects the object store (file://, mem://, s3://,
	// gs://, azblob://); empty for a folder in DataDir.
	ObjectStoreURI string
	// IngestionAddr and FlightSQLAddr are the listen addresses; port 0
	// picks a free port.
	IngestionAddr string
	FlightSQLAddr string
	Logger        *slog.Logger
	// WebAddr is the listen address of the HTTP query API and the web UI
	// (internal/web);
	// port 0 picks a free port.
	WebAddr string
	// Maintenance runs the maintenance daemon (materialization,
	// compaction, retention) in this process; serve turns it on.
	Maintenance bool
	// MaintenanceOnly runs the daemon alone, without ingestion and
	// FlightSQL (micromegas maintain).
	MaintenanceOnly bool
	// Retention is the age past which the daemon deletes data (default
	// 90 days).
	Retention time.Duration
	// QueryTimeout bounds each query, from the engine's start to the end
	// of its result stream (default DefaultQueryTimeout; negative: none).
	QueryTimeout time.Duration
	// QueryMemory is the memory DuckDB may use for all the queries running
	// at once (its memory_limit, "4GB"); "" = half of the memory DuckDB
	// detects. DuckDB has no per-query limit: see MaxConcurrentQueries.
	QueryMemory string
	// MaxConcurrentQueries bounds the queries running at once (the others
	// wait); they share QueryMemory, so with every slot busy each has
	// about QueryMemory / MaxConcurrentQueries (default
	// DefaultMaxConcurrentQueries; negative: no bound).
	MaxConcurrentQueries int
	// QueryTempSize bounds the disk space queries spill to when they need
	// more than QueryMemory (DuckDB's max_temp_directory_size; default
	// DefaultQueryTempSize).
	QueryTempSize string
}

// Default listen addresses.
const (
	DefaultDataDir       = "micromegas-data"
	DefaultIngestionAddr = ingest.DefaultAddr
	DefaultFlightSQLAddr = "127.0.0.1:50051"
	DefaultWebAddr       = web.DefaultAddr
)

// App is a running server.
type App struct {
	cfg       Config
	log       *slog.Logger
	catalog   catalog.Store
	blobs     *blobstore.Store
	engine    *engine.Engine
	lake      *lakehouse.Lakehouse
	ingest    *ingest.Server
	flightsql *flightsql.Server
	web       *web.Server

	stopDaemon func() // cancels the daemon and waits for it; nil when not running
}

// Start opens the stores and starts every role. On error, what was started
// is stopped again.
func Start(ctx context.Context, cfg Config) (a *App, err error) {
	if cfg.DataDir == "" {
		cfg.DataDir = DefaultDataDir
	}
	if cfg.IngestionAddr == "" {
		cfg.IngestionAddr = DefaultIngestionAddr
	}
	if cfg.FlightSQLAddr == "" {
		cfg.FlightSQLAddr = DefaultFlightSQLAddr
	}
	if cfg.WebAddr == "" {
		cfg.WebAddr = DefaultWebAddr
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	a = &App{cfg: cfg, log: cfg.Logger}
	defer func() {
		if err != nil {
			a.Shutdown(context.Background())
			a = nil
		}
	}()
	if a.catalog, err = openCatalog(ctx, cfg.SQLConnectionString, dataDir); err != nil {
		return a, err
	}
	uri := cfg.ObjectStoreURI
	if uri == "" {
		uri = "file://" + filepath.ToSlash(filepath.Join(dataDir, "objects"))
	}
	if a.blobs, err = blobstore.Open(ctx, uri); err != nil {
		return a, fmt.Errorf("open object store: %w", err)
	}
	cacheDir := filepath.Join(dataDir, "cache")
	allowed := []string{cacheDir}
	if p, ok := a.blobs.LocalPath("views"); ok {
		allowed = append(allowed, p)
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return a, fmt.Errorf("create cache dir: %w", err)
	}
	if a.engine, err = engine.Open(ctx, engineOptions(cfg, allowed, filepath.Join(dataDir, "tmp"))); err != nil {
		return a, fmt.Errorf("open engine: %w", err)
	}
	if a.lake, err = lakehouse.New(lakehouse.Options{
		Catalog: a.catalog, Blobs: a.blobs, Engine: a.engine, CacheDir: cacheDir, Logger: a.log,
		TableFunctions: tableFunctions(),
	}); err != nil {
		return a, err
	}
	if cfg.Maintenance || cfg.MaintenanceOnly {
		if err := a.startDaemon(); err != nil {
			return a, err
		}
	}
	if cfg.MaintenanceOnly {
		return a, nil
	}
	if a.ingest, err = ingest.New(ingest.Options{
		Addr: cfg.IngestionAddr, Catalog: a.catalog, Blobs: a.blobs, Logger: a.log,
	}); err != nil {
		return a, err
	}
	if err = a.ingest.Start(ctx); err != nil {
		return a, err
	}
	q := querier{lake: a.lake, ingester: ingester{catalog: a.catalog, blobs: a.blobs}}
	if a.flightsql, err = flightsql.New(flightsql.Options{
		Addr: cfg.FlightSQLAddr, Querier: q, Logger: a.log,
	}); err != nil {
		return a, err
	}
	if err = a.flightsql.Start(ctx); err != nil {
		return a, err
	}
	notebooks, _ := a.catalog.(catalog.NotebookStore)
	if a.web, err = web.New(web.Options{Addr: cfg.WebAddr, Querier: q, Logger: a.log, Notebooks: notebooks}); err != nil {
		return a, err
	}
	if err = a.web.Start(ctx); err != nil {
		return a, err
	}
	return a, nil
}

func openCatalog(ctx context.Context, conn, dataDir string) (catalog.Store, error) {
	switch {
	case conn == "":
		return sqliteOpen(ctx, filepath.Join(dataDir, "catalog.db"))
	case strings.HasPrefix(conn, "postgres://"), strings.HasPrefix(conn, "postgresql://"):
		s, err := postgres.Open(ctx, conn)
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL catalog: %w", err)
		}
		return s, nil
	case strings.HasPrefix(conn, "sqlite://"):
		return sqliteOpen(ctx, strings.TrimPrefix(conn, "sqlite://"))
	}
	return nil, errors.New("unsupported MICROMEGAS_SQL_CONNECTION_STRING: use postgres://user@host:port/db, sqlite:///path/catalog.db, or leave it empty for SQLite in the data folder")
}

func sqliteOpen(ctx context.Context, path string) (catalog.Store, error) {
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open SQLite catalog %s: %w", path, err)
	}
	return s, nil
}

// startDaemon runs the maintenance daemon until Shutdown.
func (a *App) startDaemon() error {
	d, err := maintenance.New(maintenance.Options{
		Lake: a.lake, Catalog: a.catalog, Blobs: a.blobs, Retention: a.cfg.Retention, Logger: a.log,
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	a.stopDaemon = func() {
		cancel()
		<-done
	}
	return nil
}

// IngestionAddr is the address the ingestion service listens on (nil
// when it does not run).
func (a *App) IngestionAddr() net.Addr {
	if a.ingest == nil {
		return nil
	}
	return a.ingest.Addr()
}

// FlightSQLAddr is the address the FlightSQL service listens on (nil when
// it does not run).
func (a *App) FlightSQLAddr() net.Addr {
	if a.flightsql == nil {
		return nil
	}
	return a.flightsql.Addr()
}

// WebAddr is the address the HTTP query API listens on (nil when it does
// not run).
func (a *App) WebAddr() net.Addr {
	if a.web == nil {
		return nil
	}
	return a.web.Addr()
}

// Lakehouse returns the lakehouse, for tests and embedders.
func (a *App) Lakehouse() *lakehouse.Lakehouse { return a.lake }

// Shutdown stops the roles, then closes the stores. It is safe on a
// partially started App.
func (a *App) Shutdown(ctx context.Context) error {
	var errs []error
	if a.ingest != nil {
		errs = append(errs, a.ingest.Shutdown(ctx))
	}
	if a.web != nil {
		errs = append(errs, a.web.Shutdown(ctx))
	}
	if a.flightsql != nil {
		errs = append(errs, a.flightsql.Shutdown(ctx))
	}
	if a.stopDaemon != nil {
		a.stopDaemon()
	}
	if a.engine != nil {
		errs = append(errs, a.engine.Close())
	}
	if a.blobs != nil {
		errs = append(errs, a.blobs.Close())
	}
	if a.catalog != nil {
		errs = append(errs, a.catalog.Close())
	}
	return errors.Join(errs...)
}
