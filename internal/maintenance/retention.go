package maintenance

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
)

// RetentionReport counts what one retention pass deleted.
type RetentionReport struct {
	Blocks, Streams, Processes, Partitions, TemporaryFiles int64
}

// retentionBatch is how many blocks or partitions are deleted at a time.
const retentionBatch = 1000

// deleteConcurrency bounds the object deletions in flight (one request
// each on a remote store).
const deleteConcurrency = 8

// Retain deletes what is older than the retention period, then the
// temporary files whose expiration passed (spec 5.8): blocks (objects,
// then rows), streams without blocks and processes without streams or
// blocks inserted before the expiration time, and partitions ending before
// it (rows deleted, files scheduled as temporary files so that queries in
// flight can still read them). Each step runs even when an earlier one
// failed; the errors are joined.
func (d *Daemon) Retain(ctx context.Context) (RetentionReport, error) {
	var r RetentionReport
	now := d.opts.Now()
	expiration := now.Add(-d.opts.Retention)
	var errs []error
	n, err := d.retainBlocks(ctx, expiration)
	r.Blocks += n
	errs = append(errs, err)
	// Streams, then processes: each becomes empty once what it holds is gone.
	n, err = d.opts.Catalog.DeleteEmptyStreams(ctx, expiration)
	r.Streams += n
	errs = append(errs, wrap("retention: delete empty streams", err))
	n, err = d.opts.Catalog.DeleteEmptyProcesses(ctx, expiration)
	r.Processes += n
	errs = append(errs, wrap("retention: delete empty processes", err))
	n, err = d.retainPartitions(ctx, now, expiration)
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

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}

// retainBlocks deletes the blocks inserted before expiration, in batches:
// objects first, then rows, so a failure leaves rows whose object is gone
// (skipped by the lakehouse) rather than objects nothing points to.
func (d *Daemon) retainBlocks(ctx context.Context, expiration time.Time) (int64, error) {
	var total int64
	for {
		blocks, err := d.opts.Catalog.ListBlocks(ctx, catalog.BlockFilter{InsertedTo: expiration, Limit: retentionBatch})
		if err != nil {
			return total, fmt.Errorf("retention: list old blocks: %w", err)
		}
		if len(blocks) == 0 {
			return total, nil
		}
		ids := make([]string, len(blocks))
		keys := make([]string, len(blocks))
		for i, b := range blocks {
			ids[i] = b.BlockID
			keys[i] = blobstore.BlockKey(b.ProcessID, b.StreamID, b.BlockID)
		}
		if err := d.deleteObjects(ctx, keys); err != nil {
			return total, err
		}
		n, err := d.opts.Catalog.DeleteBlocks(ctx, ids)
		total += n
		if err != nil {
			return total, fmt.Errorf("retention: delete blocks: %w", err)
		}
		if len(blocks) < retentionBatch {
			return total, nil
		}
	}
}

// retainPartitions deletes the partitions (of every view and instance)
// whose insert range ended by expiration; their files become temporary
// files that expire after RetiredFileExpiration.
func (d *Daemon) retainPartitions(ctx context.Context, now, expiration time.Time) (int64, error) {
	var total int64
	for {
		deleted, err := d.opts.Catalog.DeletePartitions(ctx,
			catalog.PartitionRange{End: expiration, Limit: retentionBatch}, now.Add(d.opts.RetiredFileExpiration))
		total += int64(len(deleted))
		if err != nil {
			return total, fmt.Errorf("retention: delete partitions: %w", err)
		}
		if len(deleted) < retentionBatch {
			return total, nil
		}
	}
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
		paths = append(paths, f.FilePath)
	}
	if err := d.deleteObjects(ctx, paths); err != nil {
		return 0, err
	}
	if err := d.opts.Catalog.DeleteTemporaryFiles(ctx, paths); err != nil {
		return 0, fmt.Errorf("retention: delete temporary files: %w", err)
	}
	return int64(len(paths)), nil
}

// deleteObjects deletes objects, a few at a time; ones already gone are
// not an error. It returns the first error after the deletions started
// have ended.
func (d *Daemon) deleteObjects(ctx context.Context, keys []string) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, deleteConcurrency)
	for _, key := range keys {
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := d.opts.Blobs.Delete(ctx, key); err != nil && !errors.Is(err, blobstore.ErrNotFound) {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("retention: delete %s: %w", key, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}
