// Package postgres is the production catalog.Store, on PostgreSQL through a
// pgx connection pool. Several servers may share one database: inserts are
// idempotent (ON CONFLICT DO NOTHING on unique ids), partition replacement
// and migrations are serialized with transaction-scoped advisory locks.
//
// Times are stored as TIMESTAMPTZ, so their precision is the microsecond
// (finer digits are truncated). Properties are stored as arrays of the
// composite type micromegas_property, as in the original Micromegas schema.
package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

var _ catalog.Store = (*Store)(nil)

// Store is a catalog.Store backed by PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
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

// Open connects to PostgreSQL and brings the schema up to date. Several
// processes may Open the same database at once: migrations run in one
// transaction under an advisory lock.
//
// connString is a URL (postgres://user:password@host:5432/db?sslmode=disable)
// or a keyword/value string. Pool settings go in the same string:
// pool_max_conns (default: the larger of 4 and the number of CPUs),
// pool_min_conns, pool_max_conn_lifetime, pool_max_conn_idle_time and
// pool_health_check_period (durations such as 30m), and connect_timeout
// (seconds) to bound each connection attempt.
//
// When the server cannot be reached the error wraps catalog.ErrUnavailable.
// The connection string (which may hold a password) is not part of errors.
func Open(ctx context.Context, connString string, opts ...Option) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		// pgx redacts the password from its parse errors.
		return nil, fmt.Errorf("open postgres catalog: bad connection string (want postgres://user@host:5432/db?sslmode=disable): %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, wrapErr("open postgres catalog", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, wrapErr(fmt.Sprintf("open postgres catalog (host %s, database %s)", cfg.ConnConfig.Host, cfg.ConnConfig.Database), err)
	}
	s := &Store{pool: pool, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// SchemaVersion returns the version recorded in the migration table.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	v, err := schemaVersion(ctx, s.pool)
	return v, wrapErr("read schema version", err)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return wrapErr("ping postgres catalog", s.pool.Ping(ctx))
}

// Close closes the pool, waiting for connections in use to be released.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}
