// Package app assembles the roles of a Micromegas server (ingestion,
// analytics over FlightSQL and HTTP, maintenance) from a Config, so that the command line and
// the end-to-end tests run the same system.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/micromegas-go/micromegas/internal/auth"
	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/catalog/postgres"
	"github.com/micromegas-go/micromegas/internal/catalog/sqlite"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/flightsql"
	"github.com/micromegas-go/micromegas/internal/health"
	"github.com/micromegas-go/micromegas/internal/httpserve"
	"github.com/micromegas-go/micromegas/internal/ingest"
	"github.com/micromegas-go/micromegas/internal/lakehouse"
	"github.com/micromegas-go/micromegas/internal/maintenance"
	"github.com/micromegas-go/micromegas/internal/otlp"
	"github.com/micromegas-go/micromegas/internal/web"
	"github.com/micromegas-go/micromegas/internal/websession"
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
	// OTLPGRPCAddr is the listen address of the OTLP/gRPC receiver
	// (internal/otlp, part of the ingestion role; OTLP/HTTP is served on
	// IngestionAddr); port 0 picks a free port.
	OTLPGRPCAddr string
	// Roles selects what this node runs (roles.go). Zero runs ingestion
	// and analytics, without the daemon; serve's default is AllRoles.
	Roles Roles
	// CacheSweepPeriod is how often a node with the lakehouse drops its
	// cached copies of retired partition files (default
	// DefaultCacheSweepPeriod).
	CacheSweepPeriod time.Duration
	// HealthAddr is the listen address of a server answering only
	// /health and /ready. Empty: none, except on a node that runs neither
	// ingestion nor analytics (whose listeners answer them), where it is
	// DefaultHealthAddr.
	HealthAddr string
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
	// NoSelfTrace keeps the roles from recording their own requests in
	// this process's telemetry (selftrace.go), for embedders whose
	// telemetry records something else.
	NoSelfTrace bool
	// Auth configures authentication and TLS; with nothing set, the
	// server runs open on loopback addresses and refuses other ones.
	Auth AuthConfig
}

// Default listen addresses.
const (
	DefaultDataDir       = "micromegas-data"
	DefaultIngestionAddr = ingest.DefaultAddr
	DefaultFlightSQLAddr = "127.0.0.1:50051"
	DefaultWebAddr       = web.DefaultAddr
	DefaultOTLPGRPCAddr  = otlp.DefaultGRPCAddr
	DefaultHealthAddr    = "127.0.0.1:9090"
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
	otlpGRPC  *otlp.GRPCServer
	authn     *auth.Authenticator
	audit     *auth.Auditor
	keys      *auth.CatalogKeys    // nil without authentication
	signin    *websession.Sessions // the web UI's sign-in; nil when not configured
	tls       *tls.Config          // of every listener; nil without TLS
	health    *health.Handler
	status    *httpserve.Server // the /health and /ready listener; nil when not running

	stopKeys    func() // stops reloading the keys; nil when not running
	stopDaemon  func() // cancels the daemon and waits for it; nil when not running
	stopSweeper func() // stops the partition cache sweeper; nil when not running
}

// Start opens the stores and starts the roles of cfg.Roles. On error,
// what was started is stopped again.
func Start(ctx context.Context, cfg Config) (a *App, err error) {
	if cfg.Roles == 0 {
		cfg.Roles = Ingestion | Analytics
	}
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
	if cfg.OTLPGRPCAddr == "" {
		cfg.OTLPGRPCAddr = DefaultOTLPGRPCAddr
	}
	if cfg.HealthAddr == "" && !cfg.Roles.Has(Ingestion) && !cfg.Roles.Has(Analytics) {
		cfg.HealthAddr = DefaultHealthAddr
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
	a.health = health.New(cfg.Roles.Names(), []health.Check{
		{Name: "catalog", Ping: a.catalog.Ping},
		{Name: "object_store", Ping: a.blobs.Ping},
	}, a.log)
	// Each role starts on its own; ingestion needs neither the engine nor
	// the partition cache.
	if cfg.Roles.Has(Analytics) || cfg.Roles.Has(Maintenance) {
		if err := a.openLakehouse(ctx, dataDir); err != nil {
			return a, err
		}
	}
	if cfg.Roles.Has(Maintenance) {
		if err := a.startDaemon(); err != nil {
			return a, err
		}
	}
	if cfg.Roles.Has(Ingestion) || cfg.Roles.Has(Analytics) {
		if err := a.setupAuth(ctx, a.listenAddrs()); err != nil {
			return a, err
		}
		if a.tls, err = auth.ServerTLS(cfg.Auth.TLSCert, cfg.Auth.TLSKey); err != nil {
			return a, err
		}
	}
	if cfg.Roles.Has(Ingestion) {
		if err := a.startIngestion(ctx); err != nil {
			return a, err
		}
	}
	if cfg.Roles.Has(Analytics) {
		if err := a.startAnalytics(ctx); err != nil {
			return a, err
		}
	}
	if cfg.HealthAddr != "" {
		a.status = httpserve.New("health", cfg.HealthAddr, &http.Server{
			Handler: a.health, ReadHeaderTimeout: 10 * time.Second,
		}, a.log)
		if err := a.status.Start(ctx); err != nil {
			return a, err
		}
	}
	return a, nil
}

// openLakehouse opens the engine (DuckDB) and the lakehouse over the
// stores, with the partition cache in dataDir.
func (a *App) openLakehouse(ctx context.Context, dataDir string) error {
	cacheDir := filepath.Join(dataDir, "cache")
	allowed := []string{cacheDir}
	if p, ok := a.blobs.LocalPath("views"); ok {
		allowed = append(allowed, p)
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return fmt.Errorf("create cache dir: %w", err)
	}
	var err error
	if a.engine, err = engine.Open(ctx, engineOptions(a.cfg, allowed, filepath.Join(dataDir, "tmp"))); err != nil {
		return fmt.Errorf("open engine: %w", err)
	}
	if a.lake, err = lakehouse.New(lakehouse.Options{
		Catalog: a.catalog, Blobs: a.blobs, Engine: a.engine, CacheDir: cacheDir, Logger: a.log,
		TableFunctions: tableFunctions(),
	}); err != nil {
		return err
	}
	period := a.cfg.CacheSweepPeriod
	if period <= 0 {
		period = DefaultCacheSweepPeriod
	}
	a.startCacheSweeper(period)
	return nil
}

// listenAddrs are the addresses of the roles' listeners, by name, for
// the rule that only loopback servers may run without authentication.
func (a *App) listenAddrs() map[string]string {
	addrs := map[string]string{}
	if a.cfg.Roles.Has(Ingestion) {
		addrs["ingestion"], addrs["otlp-grpc"] = a.cfg.IngestionAddr, a.cfg.OTLPGRPCAddr
	}
	if a.cfg.Roles.Has(Analytics) {
		addrs["flightsql"], addrs["web"] = a.cfg.FlightSQLAddr, a.cfg.WebAddr
	}
	return addrs
}

// startIngestion starts the ingestion role: the HTTP ingestion service
// (with OTLP/HTTP) and the OTLP/gRPC receiver.
func (a *App) startIngestion(ctx context.Context) error {
	receiver, err := otlp.New(otlp.Options{Catalog: a.catalog, Blobs: a.blobs, Logger: a.log})
	if err != nil {
		return err
	}
	if a.ingest, err = ingest.New(ingest.Options{
		Addr: a.cfg.IngestionAddr, Catalog: a.catalog, Blobs: a.blobs, Logger: a.log, Health: a.health,
		Routes: receiver.Routes(), Middleware: a.cfg.traceHTTP(a.authn.Middleware(auth.ScopeIngest)), TLS: a.tls,
	}); err != nil {
		return err
	}
	if err = a.ingest.Start(ctx); err != nil {
		return err
	}
	a.otlpGRPC = otlp.NewGRPCServer(receiver, otlp.GRPCOptions{
		Addr: a.cfg.OTLPGRPCAddr, Logger: a.log, TLS: a.tls,
		UnaryInterceptors: a.cfg.traceUnary(a.authn.UnaryInterceptor(auth.ScopeIngest)),
	})
	return a.otlpGRPC.Start(ctx)
}

// startAnalytics starts the analytics role: FlightSQL and the HTTP query
// API over the lakehouse.
func (a *App) startAnalytics(ctx context.Context) error {
	q := querier{lake: a.lake, ingester: ingester{catalog: a.catalog, blobs: a.blobs}, audit: a.audit}
	vocab, err := a.engine.Vocabulary(ctx)
	if err != nil {
		return err
	}
	if a.flightsql, err = flightsql.New(flightsql.Options{
		Addr: a.cfg.FlightSQLAddr, Querier: q, Logger: a.log, TLS: a.tls, Actions: a.actions(),
		UnaryInterceptors:  a.cfg.traceUnary(a.authn.UnaryInterceptor(auth.ScopeQuery)),
		StreamInterceptors: a.cfg.traceStream(a.authn.StreamInterceptor(auth.ScopeQuery)),
		Dialect: flightsql.Dialect{Keywords: vocab.Keywords, NumericFunctions: vocab.NumericFunctions,
			StringFunctions: vocab.StringFunctions, SystemFunctions: vocab.SystemFunctions,
			DateTimeFunctions: vocab.DateTimeFunctions},
	}); err != nil {
		return err
	}
	if err = a.flightsql.Start(ctx); err != nil {
		return err
	}
	notebooks, _ := a.catalog.(catalog.NotebookStore)
	opts := web.Options{
		Addr: a.cfg.WebAddr, Querier: q, Logger: a.log, Health: a.health, TLS: a.tls, Notebooks: notebooks,
		Middleware: a.cfg.traceHTTP(a.authn.Middleware(auth.ScopeQuery)),
	}
	if a.signin != nil {
		// Refusals point the UI at the sign-in.
		opts.Middleware = a.cfg.traceHTTP(a.authn.Middleware(auth.ScopeQuery, auth.LoginURL(websession.LoginPath)))
		opts.SignIn = a.signin.Handler()
	}
	if a.web, err = web.New(opts); err != nil {
		return err
	}
	return a.web.Start(ctx)
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

// OTLPGRPCAddr is the address the OTLP/gRPC receiver listens on (nil
// when it does not run).
func (a *App) OTLPGRPCAddr() net.Addr {
	if a.otlpGRPC == nil {
		return nil
	}
	return a.otlpGRPC.Addr()
}

// HealthAddr is the address of the /health and /ready listener (nil when
// the node has none of its own: its role listeners answer them).
func (a *App) HealthAddr() net.Addr {
	if a.status == nil {
		return nil
	}
	return a.status.Addr()
}

// Roles is what the node runs.
func (a *App) Roles() Roles { return a.cfg.Roles }

// Lakehouse returns the lakehouse (nil on an ingestion-only node), for
// tests and embedders.
func (a *App) Lakehouse() *lakehouse.Lakehouse { return a.lake }

// Shutdown stops the roles, then closes the stores. The servers stop
// accepting requests at once and let those in flight finish until ctx
// ends (then cancel them); the daemon's running task is canceled. It is
// safe on a partially started App.
func (a *App) Shutdown(ctx context.Context) error {
	var errs []error
	if a.ingest != nil {
		errs = append(errs, a.ingest.Shutdown(ctx))
	}
	if a.otlpGRPC != nil {
		errs = append(errs, a.otlpGRPC.Shutdown(ctx))
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
	if a.stopSweeper != nil {
		a.stopSweeper()
	}
	if a.stopKeys != nil {
		a.stopKeys()
	}
	if a.status != nil {
		errs = append(errs, a.status.Shutdown(ctx))
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
