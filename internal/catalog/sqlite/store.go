// Package sqlite is the embedded catalog.Store: one SQLite database file,
// opened in WAL mode through the pure-Go modernc.org/sqlite driver.
//
// Writes go through a single connection (so goroutines of one process never
// see SQLITE_BUSY) in IMMEDIATE transactions, and reads through a pool of
// read-only connections that WAL lets run beside the writer. Other processes
// may share the file: the busy timeout makes them wait for each other.
//
// Times are stored as integer nanoseconds since the Unix epoch (UTC), so
// their precision is exact; properties as JSON objects and tags as JSON
// arrays.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

var _ catalog.Store = (*Store)(nil)

// busyTimeout is how long a connection waits for a lock held by another
// process before failing with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Store is a catalog.Store backed by a SQLite database file.
type Store struct {
	path   string
	writer *sql.DB // exactly one connection: all writes
	reader *sql.DB // read-only connections
	now    func() time.Time
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock that stamps insert times and partition
// updates (default time.Now); tests use it to make old data.
func WithClock(now func() time.Time) Option {
	return func(s *Store) {
		if now != nil {
			s.now = now
		}
	}
}

// Open opens (creating it and its folder if needed) the SQLite database at
// path and brings its schema up to date. path is a plain file path; the
// in-memory database is not supported because writer and readers use
// separate connections.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open sqlite catalog: want a plain file path such as ./data/catalog.db, got %q", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("open sqlite catalog: create folder: %w", err)
		}
	}
	ms := busyTimeout.Milliseconds()
	writer, err := sql.Open("sqlite", fmt.Sprintf(
		"%s?_busy_timeout=%d&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate", path, ms))
	if err != nil {
		return nil, fmt.Errorf("open sqlite catalog %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, wrapErr(fmt.Sprintf("open sqlite catalog %s", path), err)
	}
	reader, err := sql.Open("sqlite", fmt.Sprintf("%s?_busy_timeout=%d&_query_only=1", path, ms))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open sqlite catalog %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	s := &Store{path: path, writer: writer, reader: reader, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// SchemaVersion returns the version of the schema recorded in the
// database's migration table.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	v, err := schemaVersion(ctx, s.reader)
	return v, wrapErr("read schema version", err)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return wrapErr("ping sqlite catalog", err)
	}
	return nil
}

// Close closes the connections.
func (s *Store) Close() error {
	return errors.Join(s.reader.Close(), s.writer.Close())
}

// wrapErr adds context to err, marking lock timeouts as
// catalog.ErrUnavailable (the caller may retry later).
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("%s: %w: %w", op, catalog.ErrUnavailable, err)
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}
