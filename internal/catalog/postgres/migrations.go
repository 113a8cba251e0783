package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// LatestSchemaVersion is the schema version this package creates and
// expects.
const LatestSchemaVersion = 4

// migrationLockKey is the advisory lock (two-key form, which does not
// collide with the one-key locks of ReplacePartitions) that serializes
// migrations across servers starting at once.
const migrationLockClass, migrationLockID = 0x6d6d, 1 // "mm"

// migrations is the schema history: migrations[i] brings the database from
// version i to version i+1. Append only; never edit a released step.
var migrations = [][]string{
	// Version 1: the final shape of the original's data-lake schema
	// (v4: unique ids, streams.format) and lakehouse schema (num_rows,
	// no partition_metadata), with NOT NULL where rows always have values
	// and TEXT instead of VARCHAR(255).
	{
		`CREATE TYPE micromegas_property AS (key TEXT, value TEXT)`,
		`CREATE TABLE processes(
			process_id UUID NOT NULL,
			exe TEXT, username TEXT, realname TEXT, computer TEXT, distro TEXT, cpu_brand TEXT,
			tsc_frequency BIGINT, start_time TIMESTAMPTZ, start_ticks BIGINT,
			insert_time TIMESTAMPTZ NOT NULL,
			parent_process_id UUID,
			properties micromegas_property[])`,
		`CREATE UNIQUE INDEX processes_process_id_unique ON processes(process_id)`,
		`CREATE INDEX parent_process_id ON processes(parent_process_id)`,
		`CREATE INDEX process_start_time ON processes(start_time)`,
		`CREATE INDEX process_insert_time ON processes(insert_time)`,
		`CREATE TABLE streams(
			stream_id UUID NOT NULL,
			process_id UUID NOT NULL,
			dependencies_metadata BYTEA, objects_metadata BYTEA,
			tags TEXT[],
			properties micromegas_property[],
			insert_time TIMESTAMPTZ NOT NULL,
			format TEXT NOT NULL DEFAULT 'micromegas-transit')`,
		`CREATE UNIQUE INDEX streams_stream_id_unique ON streams(stream_id)`,
		`CREATE INDEX stream_process_id ON streams(process_id, insert_time)`,
		`CREATE INDEX stream_insert_time ON streams(insert_time)`,
		`CREATE TABLE blocks(
			block_id UUID NOT NULL, stream_id UUID NOT NULL, process_id UUID NOT NULL,
			begin_time TIMESTAMPTZ, begin_ticks BIGINT, end_time TIMESTAMPTZ, end_ticks BIGINT,
			nb_objects INT, object_offset BIGINT, payload_size BIGINT,
			insert_time TIMESTAMPTZ NOT NULL)`,
		`CREATE UNIQUE INDEX blocks_block_id_unique ON blocks(block_id)`,
		`CREATE INDEX block_stream_id ON blocks(stream_id, insert_time)`,
		`CREATE INDEX block_process_id ON blocks(process_id, insert_time)`,
		`CREATE INDEX block_begin_time ON blocks(begin_time)`,
		`CREATE INDEX block_end_time ON blocks(end_time)`,
		`CREATE INDEX block_insert_time ON blocks(insert_time)`,
		`CREATE TABLE lakehouse_partitions(
			view_set_name TEXT NOT NULL, view_instance_id TEXT NOT NULL,
			begin_insert_time TIMESTAMPTZ NOT NULL, end_insert_time TIMESTAMPTZ NOT NULL,
			min_event_time TIMESTAMPTZ, max_event_time TIMESTAMPTZ,
			updated TIMESTAMPTZ NOT NULL,
			file_path TEXT, file_size BIGINT NOT NULL,
			file_schema_hash BYTEA NOT NULL, source_data_hash BYTEA NOT NULL,
			num_rows BIGINT NOT NULL)`,
		`CREATE INDEX lh_part_begin_insert ON lakehouse_partitions(view_set_name, view_instance_id, begin_insert_time)`,
		`CREATE INDEX lh_part_end_insert ON lakehouse_partitions(view_set_name, view_instance_id, end_insert_time)`,
		`CREATE INDEX lh_part_min_time ON lakehouse_partitions(view_set_name, view_instance_id, min_event_time)`,
		`CREATE INDEX lh_part_max_time ON lakehouse_partitions(view_set_name, view_instance_id, max_event_time)`,
		`CREATE INDEX lakehouse_partitions_file_path ON lakehouse_partitions(file_path)`,
		`CREATE TABLE temporary_files(file_path TEXT NOT NULL, file_size BIGINT NOT NULL, expiration TIMESTAMPTZ NOT NULL)`,
		`CREATE INDEX temporary_files_expiration ON temporary_files(expiration)`,
		`CREATE INDEX temporary_files_file_path ON temporary_files(file_path)`,
	},
	// Version 2: retention deletes the partitions of every view ending
	// before a time.
	{
		`CREATE INDEX lh_part_end_insert_any_view ON lakehouse_partitions(end_insert_time)`,
	},
	// Version 3: API keys minted by admins (hashes only); a name is
	// unique among the keys that are not revoked.
	{
		`CREATE TABLE api_keys(
			key_id UUID NOT NULL PRIMARY KEY,
			name TEXT NOT NULL,
			key_hash BYTEA NOT NULL UNIQUE,
			scope TEXT NOT NULL,
			creator TEXT NOT NULL,
			created_at TIMESTAMPTZ NOT NULL,
			expires_at TIMESTAMPTZ,
			last_used_at TIMESTAMPTZ,
			revoked_at TIMESTAMPTZ)`,
		`CREATE UNIQUE INDEX api_keys_active_name ON api_keys(name) WHERE revoked_at IS NULL`,
	},
	// Version 4: the web UI's SQL notebooks (content: JSON text).
	{
		`CREATE TABLE notebooks(
			notebook_id UUID NOT NULL PRIMARY KEY,
			name TEXT NOT NULL,
			content TEXT NOT NULL,
			revision BIGINT NOT NULL,
			created_at TIMESTAMPTZ NOT NULL,
			updated_at TIMESTAMPTZ NOT NULL)`,
		`CREATE INDEX notebooks_updated_at ON notebooks(updated_at)`,
	},
}

// migrate brings the schema up to LatestSchemaVersion in one transaction
// holding an advisory lock, so that servers starting together wait for the
// first one and then find nothing to do. A failed step leaves the database
// unchanged.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, migrationLockClass, migrationLockID); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		var original bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass('lakehouse_migration') IS NOT NULL`).Scan(&original); err != nil {
			return fmt.Errorf("migrate: inspect schema: %w", err)
		}
		if original {
			return errors.New("migrate: this database holds the schema of the original (Rust) Micromegas, which micromegas-go does not migrate: use a fresh database")
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS migration(
			version INTEGER NOT NULL PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("migrate: create migration table: %w", err)
		}
		current, err := schemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		if current > len(migrations) {
			return fmt.Errorf("migrate: the database has schema version %d, newer than this binary knows (%d): upgrade micromegas", current, len(migrations))
		}
		for v := current; v < len(migrations); v++ {
			for _, stmt := range migrations[v] {
				if _, err := tx.Exec(ctx, stmt); err != nil {
					return fmt.Errorf("migrate to version %d: %w", v+1, err)
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO migration(version) VALUES ($1)`, v+1); err != nil {
				return fmt.Errorf("migrate to version %d: record version: %w", v+1, err)
			}
		}
		return nil
	})
}

type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func schemaVersion(ctx context.Context, q queryRower) (int, error) {
	var v int
	if err := q.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM migration`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
