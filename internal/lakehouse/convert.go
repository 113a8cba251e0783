package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
)

// convertBlocks converts blocks into rows of view v. Blocks whose stream
// or process is unknown are left out (they are not counted in
// sink.sources, so the partition is redone once their metadata arrives);
// blocks that cannot be read are logged, skipped and counted, so a corrupt
// block does not make its partition stale forever; but when the object
// store or the catalog is unreachable, the conversion fails (a partition
// made then would lack blocks that are fine). thread_spans is not
// converted here but by writeThreadSpans, which writes its file as it
// goes.
func (l *Lakehouse) convertBlocks(ctx context.Context, v *viewSet, blocks []catalog.Block) (*sink, error) {
	if v.name == ThreadSpansView {
		return nil, fmt.Errorf("%s: converted by writeThreadSpans", v.name)
	}
	s := newSink(v.sinkSchema())
	src := newSources(l.opts.Catalog)
	for _, b := range blocks {
		if err := ctx.Err(); err != nil {
			s.release()
			return nil, err
		}
		m, err := src.get(ctx, b)
		if err != nil {
			if isNotFound(err) {
				if time.Since(b.InsertTime) > l.opts.OrphanGrace {
					l.log.Warn("skipping a block whose stream or process is unknown", "block_id", b.BlockID, "err", err)
				}
				continue
			}
			s.release()
			return nil, err
		}
		s.sources++
		if err := v.appendBlock(l, ctx, s, b, m); err != nil {
			if unreachable(ctx, err) {
				s.release()
				return nil, fmt.Errorf("read block %s: %w", b.BlockID, err)
			}
			l.log.Warn("skipping a block that cannot be read", "view", v.name, "block_id", b.BlockID, "err", err)
		}
	}
	return s, nil
}

// buildPartition converts blocks into the partition [begin, end) of
// instance, writes its file and commits it.
func (l *Lakehouse) buildPartition(ctx context.Context, v *viewSet, instance string, begin, end time.Time, blocks []catalog.Block) (catalog.Partition, error) {
	if v.name == ThreadSpansView {
		return l.writeThreadSpans(ctx, v, instance, begin, end, blocks)
	}
	s, err := l.convertBlocks(ctx, v, blocks)
	if err != nil {
		return catalog.Partition{}, err
	}
	defer s.release()
	return l.writePartition(ctx, v, instance, begin, end, s)
}

// unreachable reports whether err comes from a store that did not answer
// (or from ctx ending) rather than from the block itself.
func unreachable(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, blobstore.ErrUnavailable) || errors.Is(err, catalog.ErrUnavailable) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
