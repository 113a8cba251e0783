package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// deleteBatch is how many streams or processes one statement deletes, so
// that retention never holds the write lock for long.
const deleteBatch = 1000

// DeletePartitions deletes, in one transaction, the partitions r selects
// and schedules their files in temporary_files with the given expiration.
func (s *Store) DeletePartitions(ctx context.Context, r catalog.PartitionRange, retiredFileExpiration time.Time) ([]catalog.Partition, error) {
	if r.End.IsZero() {
		return nil, fmt.Errorf("delete partitions: want an end insert time")
	}
	where := "end_insert_time <= ?"
	end, err := encodeTime("end insert time", r.End)
	if err != nil {
		return nil, fmt.Errorf("delete partitions: %w", err)
	}
	args := []any{end}
	if !r.Begin.IsZero() {
		begin, err := encodeTime("begin insert time", r.Begin)
		if err != nil {
			return nil, fmt.Errorf("delete partitions: %w", err)
		}
		where += " AND begin_insert_time >= ?"
		args = append(args, begin)
	}
	if r.ViewSetName != "" {
		where += " AND view_set_name = ?"
		args = append(args, r.ViewSetName)
	}
	if r.ViewInstanceID != "" {
		where += " AND view_instance_id = ?"
		args = append(args, r.ViewInstanceID)
	}
	limit := r.Limit
	if limit <= 0 {
		limit = -1 // no limit
	}
	expiration, err := encodeTime("expiration", retiredFileExpiration)
	if err != nil {
		return nil, fmt.Errorf("delete partitions: %w", err)
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, wrapErr("delete partitions: begin", err)
	}
	defer tx.Rollback()
	deleted, err := retirePartitions(ctx, tx, `DELETE FROM lakehouse_partitions WHERE rowid IN (
		SELECT rowid FROM lakehouse_partitions WHERE `+where+` ORDER BY end_insert_time, begin_insert_time LIMIT ?)
		RETURNING `+partitionColumns, expiration, append(args, limit)...)
	if err != nil {
		return nil, wrapErr("delete partitions", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, wrapErr("delete partitions: commit", err)
	}
	catalog.SortPartitions(deleted)
	return deleted, nil
}

// retirePartitions runs del, a DELETE ... RETURNING partitionColumns, in
// tx and schedules the files of the deleted partitions at expiration.
func retirePartitions(ctx context.Context, tx *sql.Tx, del string, expiration any, args ...any) ([]catalog.Partition, error) {
	rows, err := tx.QueryContext(ctx, del, args...)
	if err != nil {
		return nil, fmt.Errorf("retire: %w", err)
	}
	var retired []catalog.Partition
	for rows.Next() {
		r, err := scanPartition(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("retire: %w", err)
		}
		retired = append(retired, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("retire: %w", err)
	}
	for _, r := range retired {
		if r.FilePath == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO temporary_files(file_path, file_size, expiration) VALUES (?, ?, ?)`,
			r.FilePath, r.FileSize, expiration); err != nil {
			return nil, fmt.Errorf("schedule retired file: %w", err)
		}
	}
	return retired, nil
}

// DeleteBlocks deletes the rows of the given blocks and returns how many
// existed.
func (s *Store) DeleteBlocks(ctx context.Context, blockIDs []string) (int64, error) {
	if len(blockIDs) == 0 {
		return 0, nil
	}
	ids := make([]string, len(blockIDs))
	for i, id := range blockIDs {
		c, err := catalog.CanonicalID("block id", id)
		if err != nil {
			return 0, fmt.Errorf("delete blocks: %w", err)
		}
		ids[i] = c
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return 0, fmt.Errorf("delete blocks: %w", err)
	}
	res, err := s.writer.ExecContext(ctx,
		`DELETE FROM blocks WHERE block_id IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return 0, wrapErr("delete blocks", err)
	}
	n, err := res.RowsAffected()
	return n, wrapErr("delete blocks", err)
}

// DeleteEmptyStreams deletes the streams inserted before `before` that no
// block references, in batches, and returns how many.
func (s *Store) DeleteEmptyStreams(ctx context.Context, before time.Time) (int64, error) {
	return s.deleteInBatches(ctx, "delete empty streams", before, `DELETE FROM streams WHERE rowid IN (
		SELECT rowid FROM streams s WHERE s.insert_time < ?
		AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.stream_id = s.stream_id) LIMIT ?)`)
}

// DeleteEmptyProcesses deletes the processes inserted before `before` that
// no stream or block references, in batches, and returns how many.
func (s *Store) DeleteEmptyProcesses(ctx context.Context, before time.Time) (int64, error) {
	return s.deleteInBatches(ctx, "delete empty processes", before, `DELETE FROM processes WHERE rowid IN (
		SELECT rowid FROM processes p WHERE p.insert_time < ?
		AND NOT EXISTS (SELECT 1 FROM streams s WHERE s.process_id = p.process_id)
		AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.process_id = p.process_id) LIMIT ?)`)
}

// deleteInBatches runs del (parameters: the time bound, the batch size)
// until a batch deletes fewer than deleteBatch rows. Each batch is its own
// transaction.
func (s *Store) deleteInBatches(ctx context.Context, op string, before time.Time, del string) (int64, error) {
	if before.IsZero() {
		return 0, nil // nothing is inserted before the zero time
	}
	bound, err := encodeTime("time bound", before)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	var total int64
	for {
		res, err := s.writer.ExecContext(ctx, del, bound, deleteBatch)
		if err != nil {
			return total, wrapErr(op, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, wrapErr(op, err)
		}
		total += n
		if n < deleteBatch {
			return total, nil
		}
	}
}
