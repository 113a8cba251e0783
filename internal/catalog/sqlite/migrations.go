package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// LatestSchemaVersion is the schema version this package creates and
// expects.
const LatestSchemaVersion = 4

// migrations is the schema history: migrations[i] brings the database from
// version i to version i+1. Append only; never edit a released step.
var migrations = [][]string{
	// Version 1: the data-lake tables (processes, streams, blocks) and the
	// lakehouse tables (lakehouse_partitions, temporary_files). Times are
	// integer nanoseconds since the epoch; properties and tags JSON text.
	{
		`CREATE TABLE processes(
			process_id TEXT NOT NULL PRIMARY KEY,
			exe TEXT, username TEXT, realname TEXT, computer TEXT, distro TEXT, cpu_brand TEXT,
			tsc_frequency INTEGER, start_time INTEGER, start_ticks INTEGER,
			insert_time INTEGER NOT NULL,
			parent_process_id TEXT,
			properties TEXT NOT NULL DEFAULT '{}')`,
		`CREATE INDEX processes_parent_process_id ON processes(parent_process_id)`,
		`CREATE INDEX processes_start_time ON processes(start_time)`,
		`CREATE INDEX processes_insert_time ON processes(insert_time)`,
		`CREATE TABLE streams(
			stream_id TEXT NOT NULL PRIMARY KEY,
			process_id TEXT NOT NULL,
			dependencies_metadata BLOB, objects_metadata BLOB,
			tags TEXT NOT NULL DEFAULT '[]',
			properties TEXT NOT NULL DEFAULT '{}',
			format TEXT NOT NULL DEFAULT 'micromegas-transit',
			insert_time INTEGER NOT NULL)`,
		`CREATE INDEX streams_process_id ON streams(process_id, insert_time)`,
		`CREATE INDEX streams_insert_time ON streams(insert_time)`,
		`CREATE TABLE blocks(
			block_id TEXT NOT NULL PRIMARY KEY,
			stream_id TEXT NOT NULL, process_id TEXT NOT NULL,
			begin_time INTEGER, begin_ticks INTEGER, end_time INTEGER, end_ticks INTEGER,
			nb_objects INTEGER, object_offset INTEGER, payload_size INTEGER,
			insert_time INTEGER NOT NULL)`,
		`CREATE INDEX blocks_stream_id ON blocks(stream_id, insert_time)`,
		`CREATE INDEX blocks_process_id ON blocks(process_id, insert_time)`,
		`CREATE INDEX blocks_insert_time ON blocks(insert_time)`,
		`CREATE INDEX blocks_begin_time ON blocks(begin_time)`,
		`CREATE INDEX blocks_end_time ON blocks(end_time)`,
		`CREATE TABLE lakehouse_partitions(
			view_set_name TEXT NOT NULL, view_instance_id TEXT NOT NULL,
			begin_insert_time INTEGER NOT NULL, end_insert_time INTEGER NOT NULL,
			min_event_time INTEGER, max_event_time INTEGER,
			updated INTEGER NOT NULL,
			file_path TEXT, file_size INTEGER NOT NULL,
			file_schema_hash BLOB NOT NULL, source_data_hash BLOB NOT NULL,
			num_rows INTEGER NOT NULL)`,
		`CREATE INDEX lh_part_begin_insert ON lakehouse_partitions(view_set_name, view_instance_id, begin_insert_time)`,
		`CREATE INDEX lh_part_end_insert ON lakehouse_partitions(view_set_name, view_instance_id, end_insert_time)`,
		`CREATE INDEX lh_part_min_time ON lakehouse_partitions(view_set_name, view_instance_id, min_event_time)`,
		`CREATE INDEX lh_part_max_time ON lakehouse_partitions(view_set_name, view_instance_id, max_event_time)`,
		`CREATE INDEX lakehouse_partitions_file_path ON lakehouse_partitions(file_path)`,
		`CREATE TABLE temporary_files(
			file_path TEXT NOT NULL, file_size INTEGER NOT NULL, expiration INTEGER NOT NULL)`,
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
			key_id TEXT NOT NULL PRIMARY KEY,
			name TEXT NOT NULL,
			key_hash BLOB NOT NULL UNIQUE,
			scope TEXT NOT NULL,
			creator TEXT NOT NULL,
			created_at INTEGER NOT NULL,
			expires_at INTEGER,
			last_used_at INTEGER,
			revoked_at INTEGER)`,
		`CREATE UNIQUE INDEX api_keys_active_name ON api_keys(name) WHERE revoked_at IS NULL`,
	},
	// Version 4: the web UI's SQL notebooks (content: JSON text).
	{
		`CREATE TABLE notebooks(
			notebook_id TEXT NOT NULL PRIMARY KEY,
			name TEXT NOT NULL,
			content TEXT NOT NULL,
			revision INTEGER NOT NULL,
			created_at INTEGER NOT NULL,
			updated_at INTEGER NOT NULL)`,
		`CREATE INDEX notebooks_updated_at ON notebooks(updated_at)`,
	},
}

// migrate brings the schema up to LatestSchemaVersion in one IMMEDIATE
// transaction, so concurrent openers (even in other processes) wait for
// each other and a failed step leaves the database unchanged. Re-running
// it on an up-to-date database is a no-op.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migration(
		version INTEGER NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
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
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migrate to version %d: %w", v+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO migration(version, applied_at) VALUES (?, ?)`,
			v+1, time.Now().UnixNano()); err != nil {
			return fmt.Errorf("migrate to version %d: record version: %w", v+1, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func schemaVersion(ctx context.Context, q queryer) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM migration`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
