package maintenance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
)

// DataLakeDeleter is what retention needs from a catalog beyond
// catalog.Store to delete raw data. Until the catalog packages implement
// it, retention deletes only partitions and temporary files.
type DataLakeDeleter interface {
	// DeleteBlocks deletes the rows of the given blocks.
	DeleteBlocks(ctx context.Context, blockIDs []string) error
	// DeleteEmptyStreams deletes the streams inserted before t that have
	// no block, and returns how many.
	DeleteEmptyStreams(ctx context.Context, before time.Time) (int64, error)
	// DeleteEmptyProcesses deletes the processes inserted before t that
	// have no stream, and returns how many.
	DeleteEmptyProcesses(ctx context.Context, before time.Time) (int64, error)
}

// RetentionReport counts what one retention pass deleted.
type RetentionReport struct {
	Blocks, Streams, Processes, Partitions, TemporaryFiles int64
}

// retentionBatch is how many blocks are deleted at a time.
const retentionBatch = 1000

// Retain deletes what is older than the retention period, then the
// temporary files whose expiration passed (spec 5.8).
func (d *Daemon) Retain(ctx context.Context) (RetentionReport, error) {
	var r RetentionReport
	now := d.opts.Now()
	expiration := now.Add(-d.opts.Retention)
	var errs []error
	if del, ok := d.opts.Catalog.(DataLakeDeleter); ok {
		if err := d.retainBlocks(ctx, del, expiration, &r); err != nil {
			errs = append(errs, err)
		}
		n, err := del.DeleteEmptyStreams(ctx, expiration)
		r.Streams += n
		errs = append(errs, err)
		n, err = del.DeleteEmptyProcesses(ctx, expiration)
		r.Processes += n
		errs = append(errs, err)
	} else {
		d.log.Warn("retention: the catalog cannot delete blocks, streams or processes; only partitions and temporary files are deleted")
	}
	n, err := d.retainPartitions(ctx, expiration)
	r.Partitions += n
	errs = append(errs, err)
	n, err = d.deleteTemporaryFiles(ctx, now)
	r.TemporaryFiles += n
	errs = append(errs, err)
	if r != (RetentionReport{}) {
		d.log.Info("retention", "blocks", r.Blocks, "streams", r.Streams, "processes", r.Processes,
			"partitions", r.Partitions, "temporary_files", r.TemporaryFiles)
	}
	return r, errors.Join(errs...)
}

// retainBlocks deletes the blocks inserted before expiration: objects
// first, then rows, so a failure leaves rows whose object is gone (skipped
// by the lakehouse) rather than objects nothing points to.
func (d *Daemon) retainBlocks(ctx context.Context, del DataLakeDeleter, expiration time.Time, r *RetentionReport) error {
	for {
		blocks, err := d.opts.Catalog.ListBlocks(ctx, catalog.BlockFilter{InsertedTo: expiration, Limit: retentionBatch})
		if err != nil {
			return fmt.Errorf("retention: list old blocks: %w", err)
		}
		if len(blocks) == 0 {
			return nil
		}
		ids := make([]string, len(blocks))
		for i, b := range blocks {
			if err := d.deleteObject(ctx, blobstore.BlockKey(b.ProcessID, b.StreamID, b.BlockID)); err != nil {
				return err
			}
			ids[i] = b.BlockID
		}
		if err := del.DeleteBlocks(ctx, ids); err != nil {
			return fmt.Errorf("retention: delete blocks: %w", err)
		}
		r.Blocks += int64(len(ids))
		if len(blocks) < retentionBatch {
			return nil
		}
	}
}

// retainPartitions retires every partition whose insert range ended
// before expiration; their files become temporary files.
func (d *Daemon) retainPartitions(ctx context.Context, expiration time.Time) (int64, error) {
	parts, err := d.opts.Catalog.ListPartitions(ctx, catalog.PartitionFilter{})
	if err != nil {
		return 0, fmt.Errorf("retention: list partitions: %w", err)
	}
	type instance struct{ view, id string }
	first := map[instance]time.Time{}
	hasData := map[instance]bool{}
	for _, p := range parts {
		if !p.EndInsertTime.Before(expiration) {
			continue
		}
		k := instance{p.ViewSetName, p.ViewInstanceID}
		if b, ok := first[k]; !ok || p.BeginInsertTime.Before(b) {
			first[k] = p.BeginInsertTime
		}
		// An empty partition counting no source is the stand-in left by
		// an earlier retirement: alone, it needs no new one.
		if p.NumRows > 0 || len(p.SourceDataHash) != 8 || !allZero(p.SourceDataHash) {
			hasData[k] = true
		}
	}
	var total int64
	var errs []error
	for k, begin := range first {
		if !hasData[k] {
			continue
		}
		n, err := d.opts.Lake.RetirePartitions(ctx, k.view, k.id, begin, expiration)
		if err != nil {
			errs = append(errs, fmt.Errorf("retention: retire %s/%s: %w", k.view, k.id, err))
			continue
		}
		total += int64(n)
	}
	return total, errors.Join(errs...)
}

// deleteTemporaryFiles deletes the objects of expired temporary files,
// then their rows.
func (d *Daemon) deleteTemporaryFiles(ctx context.Context, now time.Time) (int64, error) {
	files, err := d.opts.Catalog.ListExpiredTemporaryFiles(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("retention: list expired temporary files: %w", err)
	}
	paths := make([]string, 0, len(files))
	for _, f := range files {
		if err := d.deleteObject(ctx, f.FilePath); err != nil {
			return 0, err
		}
		paths = append(paths, f.FilePath)
	}
	if err := d.opts.Catalog.DeleteTemporaryFiles(ctx, paths); err != nil {
		return 0, fmt.Errorf("retention: delete temporary files: %w", err)
	}
	return int64(len(paths)), nil
}

// deleteObject deletes an object; one already gone is not an error.
func (d *Daemon) deleteObject(ctx context.Context, key string) error {
	if err := d.opts.Blobs.Delete(ctx, key); err != nil && !errors.Is(err, blobstore.ErrNotFound) {
		return fmt.Errorf("retention: delete %s: %w", key, err)
	}
	return nil
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}
