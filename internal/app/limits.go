package app

import (
	"time"

	"github.com/micromegas-go/micromegas/internal/engine"
)

// Defaults of the query limits (Config).
const (
	DefaultQueryTimeout         = 5 * time.Minute
	DefaultMaxConcurrentQueries = 8
	DefaultQueryTempSize        = "10GiB"
)

// engineOptions turns the query limits of cfg into the engine's options.
func engineOptions(cfg Config, allowed []string, tempDir string) engine.Options {
	opts := engine.Options{AllowedDirectories: allowed, TempDir: tempDir, MemoryLimit: cfg.QueryMemory,
		QueryTimeout: cfg.QueryTimeout, MaxConcurrentQueries: cfg.MaxConcurrentQueries, MaxTempDirectorySize: cfg.QueryTempSize}
	switch {
	case opts.QueryTimeout == 0:
		opts.QueryTimeout = DefaultQueryTimeout
	case opts.QueryTimeout < 0:
		opts.QueryTimeout = 0
	}
	switch {
	case opts.MaxConcurrentQueries == 0:
		opts.MaxConcurrentQueries = DefaultMaxConcurrentQueries
	case opts.MaxConcurrentQueries < 0:
		opts.MaxConcurrentQueries = 0
	}
	if opts.MaxTempDirectorySize == "" {
		opts.MaxTempDirectorySize = DefaultQueryTempSize
	}
	return opts
}
