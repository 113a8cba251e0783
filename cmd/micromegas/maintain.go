package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/micromegas-go/micromegas/internal/app"
)

func init() {
	commands = append(commands, command{"maintain", "run the maintenance daemon alone (materialization, compaction, retention); the same as serve --roles maintenance", runMaintain})
}

// retentionFlag registers --retention-days (env MICROMEGAS_RETENTION_DAYS)
// and returns a function giving the parsed duration.
func retentionFlag(fs *flag.FlagSet) func() (time.Duration, error) {
	days := fs.String("retention-days", envOr("MICROMEGAS_RETENTION_DAYS", "90"),
		"days of raw data and partitions the maintenance daemon keeps (env MICROMEGAS_RETENTION_DAYS)")
	return func() (time.Duration, error) {
		n, err := strconv.ParseFloat(*days, 64)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("--retention-days: want a positive number of days, got %q", *days)
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
}

func runMaintain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("maintain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Config{Roles: app.Maintenance}
	fs.StringVar(&cfg.DataDir, "data-dir", envOr("MICROMEGAS_DATA_DIR", app.DefaultDataDir), "folder of the embedded catalog, local objects and cache (env MICROMEGAS_DATA_DIR)")
	fs.StringVar(&cfg.SQLConnectionString, "sql", envOr("MICROMEGAS_SQL_CONNECTION_STRING", ""), "catalog: postgres://... ; empty = SQLite in --data-dir (env MICROMEGAS_SQL_CONNECTION_STRING)")
	fs.StringVar(&cfg.ObjectStoreURI, "object-store", envOr("MICROMEGAS_OBJECT_STORE_URI", ""), "object store: file://, s3://, gs://, azblob://, mem:// ; empty = a folder in --data-dir (env MICROMEGAS_OBJECT_STORE_URI)")
	fs.StringVar(&cfg.HealthAddr, "health-addr", envOr("MICROMEGAS_HEALTH_ADDR", app.DefaultHealthAddr), "listen address of the /health and /ready server (env MICROMEGAS_HEALTH_ADDR)")
	retention := retentionFlag(fs)
	logLevel := fs.String("log-level", envOr("MICROMEGAS_LOG_LEVEL", "info"), "console log level: debug, info, warn, error (env MICROMEGAS_LOG_LEVEL)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	var err error
	if cfg.Retention, err = retention(); err != nil {
		return err
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))
	a, err := app.Start(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "maintenance=running")
	printAddrs(stdout, a, false)
	cfg.Logger.Info("micromegas maintenance daemon running", "version", version, "retention", cfg.Retention)
	return waitAndShutdown(ctx, a, cfg.Logger)
}
