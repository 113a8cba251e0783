package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/micromegas-go/micromegas/internal/app"
	"github.com/micromegas-go/micromegas/telemetry"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Config{Maintenance: true}
	fs.StringVar(&cfg.DataDir, "data-dir", envOr("MICROMEGAS_DATA_DIR", app.DefaultDataDir), "folder of the embedded catalog, local objects and cache (env MICROMEGAS_DATA_DIR)")
	fs.StringVar(&cfg.IngestionAddr, "ingestion-addr", envOr("MICROMEGAS_INGESTION_ADDR", app.DefaultIngestionAddr), "ingestion HTTP listen address; port 0 picks a free port (env MICROMEGAS_INGESTION_ADDR)")
	fs.StringVar(&cfg.FlightSQLAddr, "flightsql-addr", envOr("MICROMEGAS_FLIGHTSQL_ADDR", app.DefaultFlightSQLAddr), "FlightSQL gRPC listen address; port 0 picks a free port (env MICROMEGAS_FLIGHTSQL_ADDR)")
	fs.StringVar(&cfg.WebAddr, "web-addr", envOr("MICROMEGAS_WEB_ADDR", app.DefaultWebAddr), "web UI and HTTP query API listen address (/, /api/query, /gateway/query); port 0 picks a free port (env MICROMEGAS_WEB_ADDR)")
	fs.StringVar(&cfg.SQLConnectionString, "sql", envOr("MICROMEGAS_SQL_CONNECTION_STRING", ""), "catalog: postgres://... ; empty = SQLite in --data-dir (env MICROMEGAS_SQL_CONNECTION_STRING)")
	fs.StringVar(&cfg.ObjectStoreURI, "object-store", envOr("MICROMEGAS_OBJECT_STORE_URI", ""), "object store: file://, s3://, gs://, azblob://, mem:// ; empty = a folder in --data-dir (env MICROMEGAS_OBJECT_STORE_URI)")
	logLevel := fs.String("log-level", envOr("MICROMEGAS_LOG_LEVEL", "info"), "console log level: debug, info, warn, error (env MICROMEGAS_LOG_LEVEL)")
	retention := retentionFlag(fs)
	fs.BoolVar(&cfg.Maintenance, "maintenance", envOr("MICROMEGAS_MAINTENANCE", "true") == "true", "run the maintenance daemon in this process (env MICROMEGAS_MAINTENANCE)")
	queryLimits := queryLimitFlags(fs)
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if err := queryLimits(&cfg); err != nil {
		return err
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
	// One line per address on stdout, for scripts and tests.
	fmt.Fprintf(stdout, "ingestion=http://%s\n", a.IngestionAddr())
	fmt.Fprintf(stdout, "flightsql=grpc://%s\n", a.FlightSQLAddr())
	fmt.Fprintf(stdout, "web=http://%s\n", a.WebAddr())
	fmt.Fprintf(stdout, "web UI: open http://%s/ in a browser\n", a.WebAddr())
	cfg.Logger.Info("micromegas serving", "version", version, "data_dir", cfg.DataDir,
		"ingestion", a.IngestionAddr().String(), "flightsql", a.FlightSQLAddr().String(), "web", a.WebAddr().String())

	<-ctx.Done()
	cfg.Logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	return a.Shutdown(sctx)
}
