package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// convertBlocks converts blocks into rows of view v. Blocks whose stream
// or process is unknown are left out (they are not counted in
// sink.sources, so the partition is redone once their metadata arrives);
// blocks that cannot be read are logged, skipped and counted, so a corrupt
// block does not make its partition stale forever. For thread_spans the
// blocks must all belong to one stream.
func (l *Lakehouse) convertBlocks(ctx context.Context, v *viewSet, blocks []catalog.Block) (*sink, error) {
	s := newSink(v.sinkSchema())
	src := newSources(l.opts.Catalog)
	if v.appendBlock == nil { // thread_spans
		if len(blocks) == 0 {
			return s, nil
		}
		m, err := src.get(ctx, blocks[0])
		if err != nil {
			if isNotFound(err) {
				return s, nil
			}
			s.release()
			return nil, err
		}
		if err := l.appendThreadSpans(ctx, s, blocks, m); err != nil {
			s.release()
			return nil, err
		}
		s.sources = int64(len(blocks))
		return s, nil
	}
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
			if ae := (*appendError)(nil); errors.As(err, &ae) {
				s.release()
				return nil, fmt.Errorf("%s: %w", v.name, err)
			}
			l.log.Warn("skipping a block that cannot be read", "view", v.name, "block_id", b.BlockID, "err", err)
		}
	}
	return s, nil
}
