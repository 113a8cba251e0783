package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

const partitionColumns = `view_set_name, view_instance_id, begin_insert_time, end_insert_time,
	min_event_time, max_event_time, updated, file_path, file_size, file_schema_hash, source_data_hash, num_rows`

func scanPartition(row pgx.CollectableRow) (catalog.Partition, error) {
	var (
		p                                 catalog.Partition
		begin, end, minEv, maxEv, updated pgtype.Timestamptz
		file                              pgtype.Text
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

func checkPartition(p catalog.Partition) error {
	switch {
	case p.ViewSetName == "" || p.ViewInstanceID == "":
		return fmt.Errorf("partition needs a view set name and a view instance id, got %q and %q", p.ViewSetName, p.ViewInstanceID)
	case p.BeginInsertTime.IsZero() || p.EndInsertTime.IsZero():
		return fmt.Errorf("partition needs an insert range, got [%v, %v)", p.BeginInsertTime, p.EndInsertTime)
	case p.EndInsertTime.Before(p.BeginInsertTime):
		return fmt.Errorf("partition insert range ends (%v) before it begins (%v)", p.EndInsertTime, p.BeginInsertTime)
	}
	return nil
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
// p. It returns the retired partitions. Replacements of one view instance
// are serialized across servers by an advisory lock, under which a
// partition that another one overlaps is refused (catalog.ErrSuperseded).
func (s *Store) ReplacePartitions(ctx context.Context, p catalog.Partition, retiredFileExpiration time.Time) ([]catalog.Partition, error) {
	if err := checkPartition(p); err != nil {
		return nil, fmt.Errorf("replace partitions: %w", err)
	}
	if p.Updated.IsZero() {
		p.Updated = s.now()
	}
	begin, end := encodeTime(p.BeginInsertTime), encodeTime(p.EndInsertTime)
	var retired []catalog.Partition
	superseded := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockInstance(ctx, tx, p.ViewSetName, p.ViewInstanceID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT EXISTS(SELECT 1 FROM lakehouse_partitions
			WHERE view_set_name = $1 AND view_instance_id = $2 AND file_schema_hash = $3 AND num_rows > 0
			AND begin_insert_time < $5 AND end_insert_time > $4
			AND NOT (begin_insert_time >= $4 AND end_insert_time <= $5))`,
			p.ViewSetName, p.ViewInstanceID, nonNilBytes(p.FileSchemaHash), begin, end).Scan(&superseded); err != nil {
			return fmt.Errorf("check overlaps: %w", err)
		}
		if superseded {
			if p.FilePath == "" {
				return nil
			}
			_, err := tx.Exec(ctx, `INSERT INTO temporary_files(file_path, file_size, expiration) VALUES ($1, $2, $3)`,
				p.FilePath, p.FileSize, encodeTime(retiredFileExpiration))
			return err
		}
		// When begin == end the condition is an exact match.
		var err error
		retired, err = retirePartitions(ctx, tx, `DELETE FROM lakehouse_partitions
			WHERE view_set_name = $1 AND view_instance_id = $2 AND begin_insert_time >= $3 AND end_insert_time <= $4
			RETURNING `+partitionColumns, retiredFileExpiration, p.ViewSetName, p.ViewInstanceID, begin, end)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO lakehouse_partitions(`+partitionColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			p.ViewSetName, p.ViewInstanceID, begin, end, encodeTime(p.MinEventTime), encodeTime(p.MaxEventTime),
			encodeTime(p.Updated), nullString(p.FilePath), p.FileSize, nonNilBytes(p.FileSchemaHash),
			nonNilBytes(p.SourceDataHash), p.NumRows); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr("replace partitions", err)
	}
	if superseded {
		return nil, fmt.Errorf("replace %s/%s partition [%s, %s): %w", p.ViewSetName, p.ViewInstanceID,
			p.BeginInsertTime.UTC().Format(time.RFC3339Nano), p.EndInsertTime.UTC().Format(time.RFC3339Nano), catalog.ErrSuperseded)
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
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.ViewSetName != "" {
		add("view_set_name = ?", f.ViewSetName)
	}
	if f.ViewInstanceID != "" {
		add("view_instance_id = ?", f.ViewInstanceID)
	}
	if f.FileSchemaHash != nil {
		add("file_schema_hash = ?", f.FileSchemaHash)
	}
	if !f.MaxEventTime.IsZero() {
		add("min_event_time <= ?", encodeTime(f.MaxEventTime))
	}
	if !f.MinEventTime.IsZero() {
		add("max_event_time >= ?", encodeTime(f.MinEventTime))
	}
	q := `SELECT ` + partitionColumns + ` FROM lakehouse_partitions`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	// COLLATE "C": byte order, like the other stores and Go's sort.
	q += ` ORDER BY begin_insert_time, COALESCE(file_path, '') COLLATE "C"`
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, wrapErr("list partitions", err)
	}
	out, err := pgx.CollectRows(rows, scanPartition)
	return out, wrapErr("list partitions", err)
}

// ListExpiredTemporaryFiles returns temporary files whose expiration is
// before now, ordered by (expiration, file_path).
func (s *Store) ListExpiredTemporaryFiles(ctx context.Context, now time.Time) ([]catalog.TemporaryFile, error) {
	rows, err := s.pool.Query(ctx, `SELECT file_path, file_size, expiration FROM temporary_files
		WHERE expiration < $1 ORDER BY expiration, file_path COLLATE "C"`, encodeTime(now))
	if err != nil {
		return nil, wrapErr("list expired temporary files", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (catalog.TemporaryFile, error) {
		var (
			tf  catalog.TemporaryFile
			exp pgtype.Timestamptz
		)
		err := row.Scan(&tf.FilePath, &tf.FileSize, &exp)
		tf.Expiration = decodeTime(exp)
		return tf, err
	})
	return out, wrapErr("list expired temporary files", err)
}

// DeleteTemporaryFiles removes rows of temporary_files by path.
func (s *Store) DeleteTemporaryFiles(ctx context.Context, paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM temporary_files WHERE file_path = ANY($1)`, paths)
	return wrapErr("delete temporary files", err)
}

// LivePartitionFiles returns those of paths that are the file of a
// partition, sorted.
func (s *Store) LivePartitionFiles(ctx context.Context, paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT file_path FROM lakehouse_partitions
		WHERE file_path = ANY($1) GROUP BY file_path ORDER BY file_path COLLATE "C"`, paths)
	if err != nil {
		return nil, wrapErr("list live partition files", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, wrapErr("list live partition files", err)
}
