package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/micromegas-go/micromegas/internal/app"
	"github.com/micromegas-go/micromegas/telemetry"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg app.Config
	roles := fs.String("roles", envOr("MICROMEGAS_ROLES", app.AllRoles.String()), "roles of this node, comma-separated: ingestion, analytics, maintenance; run them on separate nodes sharing one PostgreSQL and one object store to scale them apart (env MICROMEGAS_ROLES)")
	fs.StringVar(&cfg.DataDir, "data-dir", envOr("MICROMEGAS_DATA_DIR", app.DefaultDataDir), "folder of the embedded catalog, local objects and cache (env MICROMEGAS_DATA_DIR)")
	fs.StringVar(&cfg.IngestionAddr, "ingestion-addr", envOr("MICROMEGAS_INGESTION_ADDR", app.DefaultIngestionAddr), "ingestion HTTP listen address; port 0 picks a free port (env MICROMEGAS_INGESTION_ADDR)")
	fs.StringVar(&cfg.FlightSQLAddr, "flightsql-addr", envOr("MICROMEGAS_FLIGHTSQL_ADDR", app.DefaultFlightSQLAddr), "FlightSQL gRPC listen address; port 0 picks a free port (env MICROMEGAS_FLIGHTSQL_ADDR)")
	fs.StringVar(&cfg.OTLPGRPCAddr, "otlp-grpc-addr", envOr("MICROMEGAS_OTLP_GRPC_ADDR", app.DefaultOTLPGRPCAddr), "OTLP/gRPC listen address (OTLP/HTTP is served on --ingestion-addr); port 0 picks a free port (env MICROMEGAS_OTLP_GRPC_ADDR)")
	fs.StringVar(&cfg.WebAddr, "web-addr", envOr("MICROMEGAS_WEB_ADDR", app.DefaultWebAddr), "web UI and HTTP query API listen address (/, /api/query, /gateway/query); port 0 picks a free port (env MICROMEGAS_WEB_ADDR)")
	fs.StringVar(&cfg.SQLConnectionString, "sql", envOr("MICROMEGAS_SQL_CONNECTION_STRING", ""), "catalog: postgres://... ; empty = SQLite in --data-dir (env MICROMEGAS_SQL_CONNECTION_STRING)")
	fs.StringVar(&cfg.ObjectStoreURI, "object-store", envOr("MICROMEGAS_OBJECT_STORE_URI", ""), "object store: file://, s3://, gs://, azblob://, mem:// ; empty = a folder in --data-dir (env MICROMEGAS_OBJECT_STORE_URI)")
	logLevel := fs.String("log-level", envOr("MICROMEGAS_LOG_LEVEL", "info"), "console log level: debug, info, warn, error (env MICROMEGAS_LOG_LEVEL)")
	retention := retentionFlag(fs)
	fs.StringVar(&cfg.HealthAddr, "health-addr", envOr("MICROMEGAS_HEALTH_ADDR", ""), "listen address of a server answering only /health and /ready; empty = none, except on a node without ingestion and analytics (whose listeners answer them), where it is "+app.DefaultHealthAddr+" (env MICROMEGAS_HEALTH_ADDR)")
	queryLimits := queryLimitFlags(fs)
	addAuthFlags(fs, &cfg.Auth)
	_, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if err := queryLimits(&cfg); err != nil {
		return err
	}
	if cfg.Roles, err = app.ParseRoles(*roles); err != nil {
		return fmt.Errorf("--roles: %w", err)
	}
	days, err := retention()
	if err != nil {
		return err
	}
	cfg.Retention = days
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))

	// The server traces itself when MICROMEGAS_TELEMETRY_URL is set.
	guard, err := telemetry.Init(telemetry.Config{ProcessProperties: map[string]string{"version": version}})
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		guard.Shutdown(ctx)
	}()

	a, err := app.Start(ctx, cfg)
	if err != nil {
		return err
	}
	printAddrs(stdout, a, cfg.Auth.TLSCert != "")
	cfg.Logger.Info("micromegas serving", "version", version, "data_dir", cfg.DataDir, "roles", cfg.Roles.String())
	return waitAndShutdown(ctx, a, cfg.Logger)
}

// printAddrs writes one line per listening address on stdout
// (ingestion=http://..., flightsql=grpc://..., web=http://...,
// otlp-grpc=grpc://..., health=http://...; https and grpc+tls with TLS),
// for scripts and tests; roles with no listener (maintenance) print
// roles=... only.
func printAddrs(stdout io.Writer, a *app.App, tls bool) {
	httpScheme, grpcScheme := "http", "grpc"
	if tls {
		httpScheme, grpcScheme = "https", "grpc+tls"
	}
	fmt.Fprintf(stdout, "roles=%s\n", a.Roles())
	for _, l := range []struct {
		name, scheme string
		addr         net.Addr
	}{
		{"ingestion", httpScheme, a.IngestionAddr()},
		{"flightsql", grpcScheme, a.FlightSQLAddr()},
		{"web", httpScheme, a.WebAddr()},
		{"otlp-grpc", grpcScheme, a.OTLPGRPCAddr()},
		{"health", "http", a.HealthAddr()},
	} {
		if l.addr != nil {
			fmt.Fprintf(stdout, "%s=%s://%s\n", l.name, l.scheme, l.addr)
		}
	}
	if addr := a.WebAddr(); addr != nil {
		fmt.Fprintf(stdout, "web UI: open %s://%s/ in a browser\n", httpScheme, addr)
	}
}

// shutdownTimeout is how long a stopping node lets requests in flight
// finish (Kubernetes' default grace period is 30 s).
const shutdownTimeout = 25 * time.Second

// waitAndShutdown waits for SIGINT or SIGTERM (ctx), then stops the node,
// draining the requests in flight for up to shutdownTimeout.
func waitAndShutdown(ctx context.Context, a *app.App, log *slog.Logger) error {
	<-ctx.Done()
	log.Info("shutting down: draining requests in flight", "timeout", shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return a.Shutdown(sctx)
}
