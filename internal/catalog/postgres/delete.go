package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// deleteBatch is how many streams or processes one statement deletes, so
// that retention never holds many row locks for long.
const deleteBatch = 1000

// DeletePartitions deletes, in one transaction, the partitions r selects
// and schedules their files in temporary_files with the given expiration.
// When r names one view instance, the deletion is serialized with its
// replacements by the same advisory lock.
func (s *Store) DeletePartitions(ctx context.Context, r catalog.PartitionRange, retiredFileExpiration time.Time) ([]catalog.Partition, error) {
	if r.End.IsZero() {
		return nil, fmt.Errorf("delete partitions: want an end insert time")
	}
	args := []any{encodeTime(r.End)}
	where := "end_insert_time <= $1"
	add := func(cond string, arg any) {
		args = append(args, arg)
		where += " AND " + cond + " $" + strconv.Itoa(len(args))
	}
	if !r.Begin.IsZero() {
		add("begin_insert_time >=", encodeTime(r.Begin))
	}
	if r.ViewSetName != "" {
		add("view_set_name =", r.ViewSetName)
	}
	if r.ViewInstanceID != "" {
		add("view_instance_id =", r.ViewInstanceID)
	}
	var limit pgtype.Int8 // NULL: no limit
	if r.Limit > 0 {
		limit = pgtype.Int8{Int64: int64(r.Limit), Valid: true}
	}
	args = append(args, limit)
	del := `DELETE FROM lakehouse_partitions WHERE ctid IN (
		SELECT ctid FROM lakehouse_partitions WHERE ` + where + `
		ORDER BY end_insert_time, begin_insert_time LIMIT $` + strconv.Itoa(len(args)) + `)
		RETURNING ` + partitionColumns
	var deleted []catalog.Partition
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if r.ViewSetName != "" && r.ViewInstanceID != "" {
			if err := lockInstance(ctx, tx, r.ViewSetName, r.ViewInstanceID); err != nil {
				return err
			}
		}
		var err error
		deleted, err = retirePartitions(ctx, tx, del, retiredFileExpiration, args...)
		return err
	})
	if err != nil {
		return nil, wrapErr("delete partitions", err)
	}
	catalog.SortPartitions(deleted)
	return deleted, nil
}

// lockInstance takes the transaction-scoped advisory lock that serializes
// the changes to the partitions of one view instance.
func lockInstance(ctx context.Context, tx pgx.Tx, view, instance string) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
		"lakehouse_partitions/"+view+"/"+instance); err != nil {
		return fmt.Errorf("lock view instance: %w", err)
	}
	return nil
}

// retirePartitions runs del, a DELETE ... RETURNING partitionColumns, in
// tx and schedules the files of the deleted partitions at expiration.
func retirePartitions(ctx context.Context, tx pgx.Tx, del string, expiration time.Time, args ...any) ([]catalog.Partition, error) {
	rows, err := tx.Query(ctx, del, args...)
	if err != nil {
		return nil, fmt.Errorf("retire: %w", err)
	}
	retired, err := pgx.CollectRows(rows, scanPartition)
	if err != nil {
		return nil, fmt.Errorf("retire: %w", err)
	}
	var paths []string
	var sizes []int64
	for _, r := range retired {
		if r.FilePath != "" {
			paths, sizes = append(paths, r.FilePath), append(sizes, r.FileSize)
		}
	}
	if len(paths) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO temporary_files(file_path, file_size, expiration)
			SELECT f, s, $3 FROM unnest($1::text[], $2::bigint[]) AS t(f, s)`,
			paths, sizes, encodeTime(expiration)); err != nil {
			return nil, fmt.Errorf("schedule retired files: %w", err)
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
	tag, err := s.pool.Exec(ctx, `DELETE FROM blocks WHERE block_id = ANY($1::text[]::uuid[])`, ids)
	if err != nil {
		return 0, wrapErr("delete blocks", err)
	}
	return tag.RowsAffected(), nil
}

// DeleteEmptyStreams deletes the streams inserted before `before` that no
// block references, in batches, and returns how many.
func (s *Store) DeleteEmptyStreams(ctx context.Context, before time.Time) (int64, error) {
	return s.deleteInBatches(ctx, "delete empty streams", before, `DELETE FROM streams WHERE stream_id IN (
		SELECT s.stream_id FROM streams s WHERE s.insert_time < $1
		AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.stream_id = s.stream_id) LIMIT $2)`)
}

// DeleteEmptyProcesses deletes the processes inserted before `before` that
// no stream or block references, in batches, and returns how many.
func (s *Store) DeleteEmptyProcesses(ctx context.Context, before time.Time) (int64, error) {
	return s.deleteInBatches(ctx, "delete empty processes", before, `DELETE FROM processes WHERE process_id IN (
		SELECT p.process_id FROM processes p WHERE p.insert_time < $1
		AND NOT EXISTS (SELECT 1 FROM streams s WHERE s.process_id = p.process_id)
		AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.process_id = p.process_id) LIMIT $2)`)
}

// deleteInBatches runs del ($1: the time bound, $2: the batch size) until
// a batch deletes fewer than deleteBatch rows. Each batch is its own
// transaction.
func (s *Store) deleteInBatches(ctx context.Context, op string, before time.Time, del string) (int64, error) {
	if before.IsZero() {
		return 0, nil // nothing is inserted before the zero time
	}
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, del, encodeTime(before), deleteBatch)
		if err != nil {
			return total, wrapErr(op, err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < deleteBatch {
			return total, nil
		}
	}
}
