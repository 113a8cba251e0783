package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Options configures an Engine.
type Options struct {
	// Threads is the number of DuckDB worker threads; 0 means runtime.NumCPU().
	Threads int
	// MemoryLimit bounds DuckDB's buffer pool, in DuckDB's syntax ("2GB",
	// "512MiB"). "" means half of the memory DuckDB detects (the machine's
	// RAM or the cgroup limit): DuckDB's own default of 80% leaves too
	// little for the Go side of a process that also ingests and serves.
	MemoryLimit string
	// TempDir is the directory DuckDB spills to when a query exceeds
	// MemoryLimit. "" disables spilling: such queries fail with an out of
	// memory error instead.
	TempDir string
	// MaxTempDirectorySize bounds what DuckDB spills into TempDir, in
	// DuckDB's syntax ("10GB"); a query that would spill more fails with
	// an out of memory error. "" keeps DuckDB's default (90% of the free
	// disk space).
	MaxTempDirectorySize string
	// MaxConcurrentQueries bounds the queries (and descriptions) running
	// at once; the others wait for a slot, within their timeout. DuckDB
	// has no per-query memory limit: MemoryLimit is shared by the running
	// queries, so this bound is what keeps each query's share near
	// MemoryLimit / MaxConcurrentQueries when all run. 0 means no bound.
	MaxConcurrentQueries int
	// AllowedDirectories are the only directories user SQL may read: the
	// partition cache or the local object store root. Every Table file must
	// be inside one of them. Paths must be absolute.
	AllowedDirectories []string
	// QueryTimeout bounds each query from Query to Release; 0 means none.
	QueryTimeout time.Duration
	// TargetBatchRows, when > 0, makes Query coalesce DuckDB's 2048-row
	// batches into batches of at least this many rows (see Coalesce).
	TargetBatchRows int
}

// Engine runs sandboxed SQL over Parquet files with an embedded DuckDB
// database. It is safe for concurrent use.
type Engine struct {
	db      *sql.DB
	allowed []string
	opts    Options
	plans   planCache // result nullability by query (notnull.go)
}

// Open starts an in-memory DuckDB database configured by opts and locks
// its configuration (see the package documentation for the sandbox).
func Open(ctx context.Context, opts Options) (*Engine, error) {
	allowed, err := cleanDirs(opts.AllowedDirectories)
	if err != nil {
		return nil, err
	}
	if opts.TempDir != "" && !filepath.IsAbs(opts.TempDir) {
		return nil, fmt.Errorf("engine: temp dir %q must be an absolute path", opts.TempDir)
	}
	if opts.Threads < 0 || opts.QueryTimeout < 0 || opts.TargetBatchRows < 0 || opts.MaxConcurrentQueries < 0 {
		return nil, fmt.Errorf("engine: Threads, QueryTimeout, TargetBatchRows and MaxConcurrentQueries must not be negative")
	}
	threads := opts.Threads
	if threads == 0 {
		threads = runtime.NumCPU()
	}
	dsn := url.Values{}
	dsn.Set("threads", strconv.Itoa(threads))
	dsn.Set("autoinstall_known_extensions", "false")
	dsn.Set("autoload_known_extensions", "false")
	dsn.Set("allow_community_extensions", "false")
	connector, err := duckdb.NewConnector("?"+dsn.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("engine: open duckdb: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxIdleConns(threads + 2)
	if opts.MaxConcurrentQueries > 0 {
		// Every query and description holds one connection from start to
		// release (configure holds one before any query exists).
		db.SetMaxOpenConns(opts.MaxConcurrentQueries)
	}
	e := &Engine{db: db, allowed: allowed, opts: opts}
	if err := e.configure(ctx, allowed); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return e, nil
}

// Close releases the database. Readers still open must be released first.
func (e *Engine) Close() error {
	if err := e.db.Close(); err != nil {
		return fmt.Errorf("engine: close: %w", err)
	}
	return nil
}

// configure applies the global settings, creates the SQL functions and
// locks the configuration, on one connection, before any user SQL runs.
func (e *Engine) configure(ctx context.Context, allowed []string) error {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("engine: connect: %w", err)
	}
	defer conn.Close()
	limit := e.opts.MemoryLimit
	if limit == "" {
		var def string
		if err := conn.QueryRowContext(ctx, "SELECT current_setting('memory_limit')").Scan(&def); err != nil {
			return fmt.Errorf("engine: read default memory limit: %w", err)
		}
		if limit, err = halfOfDefaultLimit(def); err != nil {
			return err
		}
	}
	stmts := []string{
		"SET GLOBAL TimeZone = 'UTC'",
		"SET GLOBAL memory_limit = " + quoteString(limit),
		"SET GLOBAL temp_directory = " + quoteString(e.opts.TempDir),
	}
	if err := registerHistogramFunctions(conn); err != nil {
		return err
	}
	if err := registerSketchFunctions(conn); err != nil {
		return err
	}
	if e.opts.MaxTempDirectorySize != "" {
		stmts = append(stmts, "SET GLOBAL max_temp_directory_size = "+quoteString(e.opts.MaxTempDirectorySize))
	}
	stmts = append(stmts, functionsSQL...)
	stmts = append(stmts, sandboxSQL(allowed)...)
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("engine: configure (%s): %w", s, err)
		}
	}
	return nil
}

// sandboxSQL returns the statements that close DuckDB to the outside world.
// They must run last: after lock_configuration nothing can be SET any more.
func sandboxSQL(allowed []string) []string {
	dirs := make([]string, len(allowed))
	for i, d := range allowed {
		dirs[i] = quoteString(d + string(filepath.Separator))
	}
	return []string{
		"SET GLOBAL allowed_directories = [" + strings.Join(dirs, ", ") + "]",
		"SET GLOBAL allowed_paths = []",
		"SET GLOBAL enable_external_access = false",
		"SET GLOBAL lock_configuration = true",
	}
}

// cleanDirs validates and normalizes Options.AllowedDirectories.
func cleanDirs(dirs []string) ([]string, error) {
	out := make([]string, 0, len(dirs))
	for _, d := range dirs {
		if !filepath.IsAbs(d) {
			return nil, fmt.Errorf("engine: allowed directory %q must be an absolute path", d)
		}
		c := filepath.Clean(d)
		if c == string(filepath.Separator) {
			return nil, fmt.Errorf("engine: allowing the root directory would let SQL read every file of the server; give the partition cache directory")
		}
		out = append(out, c)
	}
	return out, nil
}

// halfOfDefaultLimit turns DuckDB's default memory limit (80% of the
// detected memory, formatted like "18.8 GiB") into 50% of that memory.
func halfOfDefaultLimit(def string) (string, error) {
	num, unit, ok := strings.Cut(strings.TrimSpace(def), " ")
	v, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || v <= 0 {
		return "", fmt.Errorf("engine: cannot parse DuckDB's default memory limit %q; set Options.MemoryLimit", def)
	}
	mib := map[string]float64{"KiB": 1.0 / 1024, "MiB": 1, "GiB": 1024, "TiB": 1024 * 1024,
		"KB": 1e3 / (1 << 20), "MB": 1e6 / (1 << 20), "GB": 1e9 / (1 << 20), "TB": 1e12 / (1 << 20)}[unit]
	if mib == 0 {
		return "", fmt.Errorf("engine: unknown unit in DuckDB's default memory limit %q; set Options.MemoryLimit", def)
	}
	return fmt.Sprintf("%dMiB", int64(v*mib*5/8)), nil
}

// outOfMemoryMessage replaces the advice of DuckDB's out of memory errors
// (SET statements, which the locked configuration refuses) with the
// server-side settings that bound a query's memory and spilling.
func outOfMemoryMessage(msg string) string {
	first, _, _ := strings.Cut(msg, "\n")
	first = strings.TrimSuffix(strings.TrimSpace(first), ".")
	limit := "memory_limit"
	if strings.Contains(msg, "max_temp_directory_size") {
		limit = "max_temp_directory_size (the disk space queries may spill to)"
	}
	return first + ". The query needs more than the engine's " + limit +
		"; the memory limit is shared by the queries running at once. Narrow the time range, aggregate more or add a LIMIT;" +
		" an operator can raise the limits (micromegas serve --query-memory, --query-temp-size, --max-concurrent-queries)."
}
