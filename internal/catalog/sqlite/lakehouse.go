package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

const partitionColumns = `view_set_name, view_instance_id, begin_insert_time, end_insert_time,
	min_event_time, max_event_time, updated, file_path, file_size, file_schema_hash, source_data_hash, num_rows`

func scanPartition(row scanner) (catalog.Partition, error) {
	var (
		p                                 catalog.Partition
		begin, end, minEv, maxEv, updated sql.NullInt64
		file                              sql.NullString
	)
	if err := row.Scan(&p.ViewSetName, &p.ViewInstanceID, &begin, &end, &minEv, &maxEv, &updated, &file,
		&p.FileSize, &p.FileSchemaHash, &p.SourceDataHash, &p.NumRows); err != nil {
		return p, err
	}
	p.BeginInsertTime, p.EndInsertTime = decodeTime(begin), decodeTime(end)
	p.MinEventTime, p.MaxEventTime, p.Updated = decodeTime(minEv), decodeTime(maxEv), decodeTime(updated)
	p.FilePath = file.String
	return p, nil
}

func partitionArgs(p catalog.Partition, now time.Time) ([]any, error) {
	switch {
	case p.ViewSetName == "" || p.ViewInstanceID == "":
		return nil, fmt.Errorf("partition needs a view set name and a view instance id, got %q and %q", p.ViewSetName, p.ViewInstanceID)
	case p.BeginInsertTime.IsZero() || p.EndInsertTime.IsZero():
		return nil, fmt.Errorf("partition needs an insert range, got [%v, %v)", p.BeginInsertTime, p.EndInsertTime)
	case p.EndInsertTime.Before(p.BeginInsertTime):
		return nil, fmt.Errorf("partition insert range ends (%v) before it begins (%v)", p.EndInsertTime, p.BeginInsertTime)
	}
	if p.Updated.IsZero() {
		p.Updated = now
	}
	args := []any{p.ViewSetName, p.ViewInstanceID}
	for _, t := range []struct {
		name string
		t    time.Time
	}{
		{"begin insert time", p.BeginInsertTime}, {"end insert time", p.EndInsertTime},
		{"min event time", p.MinEventTime}, {"max event time", p.MaxEventTime}, {"updated", p.Updated},
	} {
		ns, err := encodeTime(t.name, t.t)
		if err != nil {
			return nil, err
		}
		args = append(args, ns)
	}
	return append(args, nullString(p.FilePath), p.FileSize, nonNilBytes(p.FileSchemaHash),
		nonNilBytes(p.SourceDataHash), p.NumRows), nil
}

func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// ReplacePartitions atomically retires the partitions of p's view instance
// whose insert range lies within [p.BeginInsertTime, p.EndInsertTime],
// schedules their files for deletion at retiredFileExpiration, and inserts
// p. It returns the retired partitions.
func (s *Store) ReplacePartitions(ctx context.Context, p catalog.Partition, retiredFileExpiration time.Time) ([]catalog.Partition, error) {
	args, err := partitionArgs(p, s.now())
	if err != nil {
		return nil, fmt.Errorf("replace partitions: %w", err)
	}
	expiration, err := encodeTime("expiration", retiredFileExpiration)
	if err != nil {
		return nil, fmt.Errorf("replace partitions: %w", err)
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, wrapErr("replace partitions: begin", err)
	}
	defer tx.Rollback()
	// args[2] and args[3] are the begin and end insert times, args[9]
	// the schema hash.
	var superseded bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM lakehouse_partitions
		WHERE view_set_name = ? AND view_instance_id = ? AND file_schema_hash = ? AND num_rows > 0
		AND begin_insert_time < ? AND end_insert_time > ?
		AND NOT (begin_insert_time >= ? AND end_insert_time <= ?))`,
		args[0], args[1], args[9], args[3], args[2], args[2], args[3]).Scan(&superseded); err != nil {
		return nil, wrapErr("replace partitions: check overlaps", err)
	}
	if superseded {
		if p.FilePath != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO temporary_files(file_path, file_size, expiration) VALUES (?, ?, ?)`,
				p.FilePath, p.FileSize, expiration); err != nil {
				return nil, wrapErr("replace partitions: schedule superseded file", err)
			}
		}
		if err := tx.Commit(); err != nil {
			return nil, wrapErr("replace partitions: commit", err)
		}
		return nil, fmt.Errorf("replace %s/%s partition [%s, %s): %w", p.ViewSetName, p.ViewInstanceID,
			p.BeginInsertTime.UTC().Format(time.RFC3339Nano), p.EndInsertTime.UTC().Format(time.RFC3339Nano), catalog.ErrSuperseded)
	}
	// When begin and end are equal the condition is an exact match.
	retired, err := retirePartitions(ctx, tx, `DELETE FROM lakehouse_partitions
		WHERE view_set_name = ? AND view_instance_id = ? AND begin_insert_time >= ? AND end_insert_time <= ?
		RETURNING `+partitionColumns, expiration, args[0], args[1], args[2], args[3])
	if err != nil {
		return nil, wrapErr("replace partitions", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO lakehouse_partitions(`+partitionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...); err != nil {
		return nil, wrapErr("replace partitions: insert", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, wrapErr("replace partitions: commit", err)
	}
	catalog.SortPartitions(retired)
	return retired, nil
}

// ListPartitions returns partitions ordered by (begin_insert_time, file_path).
func (s *Store) ListPartitions(ctx context.Context, f catalog.PartitionFilter) ([]catalog.Partition, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, arg any) { where, args = append(where, cond), append(args, arg) }
	if f.ViewSetName != "" {
		add("view_set_name = ?", f.ViewSetName)
	}
	if f.ViewInstanceID != "" {
		add("view_instance_id = ?", f.ViewInstanceID)
	}
	if f.FileSchemaHash != nil {
		add("file_schema_hash = ?", f.FileSchemaHash)
	}
	for _, c := range []struct {
		t    time.Time
		cond string
	}{{f.MaxEventTime, "min_event_time <= ?"}, {f.MinEventTime, "max_event_time >= ?"}} {
		if c.t.IsZero() {
			continue
		}
		ns, err := encodeTime("event time bound", c.t)
		if err != nil {
			return nil, fmt.Errorf("list partitions: %w", err)
		}
		add(c.cond, ns)
	}
	q := `SELECT ` + partitionColumns + ` FROM lakehouse_partitions`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY begin_insert_time, COALESCE(file_path, '')"
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrapErr("list partitions", err)
	}
	defer rows.Close()
	var out []catalog.Partition
	for rows.Next() {
		p, err := scanPartition(rows)
		if err != nil {
			return nil, wrapErr("list partitions", err)
		}
		out = append(out, p)
	}
	return out, wrapErr("list partitions", rows.Err())
}

// ListExpiredTemporaryFiles returns temporary files whose expiration is
// before now, ordered by (expiration, file_path).
func (s *Store) ListExpiredTemporaryFiles(ctx context.Context, now time.Time) ([]catalog.TemporaryFile, error) {
	ns, err := encodeTime("now", now)
	if err != nil {
		return nil, fmt.Errorf("list expired temporary files: %w", err)
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT file_path, file_size, expiration FROM temporary_files
		WHERE expiration < ? ORDER BY expiration, file_path`, ns)
	if err != nil {
		return nil, wrapErr("list expired temporary files", err)
	}
	defer rows.Close()
	var out []catalog.TemporaryFile
	for rows.Next() {
		var (
			tf  catalog.TemporaryFile
			exp sql.NullInt64
		)
		if err := rows.Scan(&tf.FilePath, &tf.FileSize, &exp); err != nil {
			return nil, wrapErr("list expired temporary files", err)
		}
		tf.Expiration = decodeTime(exp)
		out = append(out, tf)
	}
	return out, wrapErr("list expired temporary files", rows.Err())
}

// DeleteTemporaryFiles removes rows of temporary_files by path.
func (s *Store) DeleteTemporaryFiles(ctx context.Context, paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	list, err := json.Marshal(paths)
	if err != nil {
		return fmt.Errorf("delete temporary files: %w", err)
	}
	_, err = s.writer.ExecContext(ctx,
		`DELETE FROM temporary_files WHERE file_path IN (SELECT value FROM json_each(?))`, string(list))
	return wrapErr("delete temporary files", err)
}

// livePathsPerQuery bounds the parameters of one query (SQLite allows
// 32766).
const livePathsPerQuery = 500

// LivePartitionFiles returns those of paths that are the file of a
// partition, sorted.
func (s *Store) LivePartitionFiles(ctx context.Context, paths []string) ([]string, error) {
	var out []string
	for len(paths) > 0 {
		n := min(len(paths), livePathsPerQuery)
		args := make([]any, n)
		for i, p := range paths[:n] {
			args[i] = p
		}
		paths = paths[n:]
		rows, err := s.reader.QueryContext(ctx, `SELECT DISTINCT file_path FROM lakehouse_partitions
			WHERE file_path IN (?`+strings.Repeat(", ?", n-1)+`)`, args...)
		if err != nil {
			return nil, wrapErr("list live partition files", err)
		}
		for rows.Next() {
			var p string
			if err := rows.Scan(&p); err != nil {
				rows.Close()
				return nil, wrapErr("list live partition files", err)
			}
			out = append(out, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, wrapErr("list live partition files", err)
		}
	}
	sort.Strings(out)
	return out, nil
}
