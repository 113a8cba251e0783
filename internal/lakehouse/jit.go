package lakehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// GlobalInstance is the view instance id of global views.
const GlobalInstance = "global"

// insertTimeResolution is the precision every catalog keeps for insert
// times; partition ends are rounded up to it so a store that truncates
// cannot make a partition's end fall on a block it already covers.
const insertTimeResolution = time.Microsecond

// UpdateLogEntries converts the log blocks inserted since the last global
// log_entries partition into new partitions. It is what a query runs first
// (just-in-time ETL) until the maintenance daemon exists.
func (l *Lakehouse) UpdateLogEntries(ctx context.Context) error {
	l.jitMu.Lock()
	defer l.jitMu.Unlock()
	for {
		n, err := l.updateLogEntriesOnce(ctx)
		if err != nil || n == 0 {
			return err
		}
	}
}

// updateLogEntriesOnce writes at most one partition and returns the number
// of blocks it covers.
func (l *Lakehouse) updateLogEntriesOnce(ctx context.Context) (int, error) {
	parts, err := l.opts.Catalog.ListPartitions(ctx, catalog.PartitionFilter{
		ViewSetName: LogEntriesView, ViewInstanceID: GlobalInstance, FileSchemaHash: logEntriesSchemaHash,
	})
	if err != nil {
		return 0, fmt.Errorf("list log_entries partitions: %w", err)
	}
	var from time.Time
	for _, p := range parts {
		if p.EndInsertTime.After(from) {
			from = p.EndInsertTime
		}
	}
	limit := l.opts.MaxBlocksPerPartition
	blocks, err := l.opts.Catalog.ListBlocks(ctx, catalog.BlockFilter{Tag: "log", InsertedFrom: from, Limit: limit})
	if err != nil {
		return 0, fmt.Errorf("list log blocks: %w", err)
	}
	src := newSources(l.opts.Catalog)
	blocks, metas, err := l.cutBlocks(ctx, src, blocks, len(blocks) == limit)
	if err != nil || len(blocks) == 0 {
		return 0, err
	}
	lb := newLogBuilder(memory.DefaultAllocator)
	defer lb.release()
	for i, b := range blocks {
		if metas[i] == nil {
			continue // an old orphan, skipped
		}
		if err := l.appendLogBlock(ctx, lb, b, metas[i]); err != nil {
			l.log.Warn("skipping a log block that cannot be read", "block_id", b.BlockID, "err", err)
		}
	}
	begin := blocks[0].InsertTime
	if !from.IsZero() {
		begin = from
	}
	end := blocks[len(blocks)-1].InsertTime.Truncate(insertTimeResolution).Add(insertTimeResolution)
	if err := l.writePartition(ctx, LogEntriesView, GlobalInstance, logEntriesSchemaHash, begin, end, int64(len(blocks)), lb); err != nil {
		return 0, err
	}
	return len(blocks), nil
}

// cutBlocks finds the metadata of each block and returns the prefix of
// blocks that can be converted now: it stops before a recent block whose
// stream or process is unknown, and (when the list was cut by a limit)
// before the last group of blocks sharing one insert time, so that a
// partition never ends in the middle of such a group.
func (l *Lakehouse) cutBlocks(ctx context.Context, src *sources, blocks []catalog.Block, truncated bool) ([]catalog.Block, []*streamMeta, error) {
	metas := make([]*streamMeta, 0, len(blocks))
	cut := len(blocks)
	for i, b := range blocks {
		m, err := src.get(ctx, b)
		if err != nil {
			if !isNotFound(err) {
				return nil, nil, err
			}
			if time.Since(b.InsertTime) < l.opts.OrphanGrace {
				cut = i
				break
			}
			l.log.Warn("skipping a block whose stream or process is unknown", "block_id", b.BlockID, "err", err)
		}
		metas = append(metas, m)
	}
	if cut < len(blocks) || truncated {
		last := cut - 1
		if cut < len(blocks) {
			last = cut
		}
		if last >= 0 {
			t := blocks[last].InsertTime
			for cut > 0 && blocks[cut-1].InsertTime.Truncate(insertTimeResolution).Equal(t.Truncate(insertTimeResolution)) {
				cut--
			}
		}
		if cut == 0 && truncated && len(blocks) > 0 && len(metas) == len(blocks) {
			cut = len(blocks) // one huge group: take it whole
		}
	}
	return blocks[:cut], metas[:cut], nil
}

// appendLogBlock decodes a block and appends its entries; on error nothing
// of the block is appended.
func (l *Lakehouse) appendLogBlock(ctx context.Context, lb *logBuilder, b catalog.Block, m *streamMeta) error {
	var rows []logRow
	err := l.parseBlock(ctx, b, m, func(obj *transit.Object) error {
		r, ok, err := logRowFromObject(obj, m.conv)
		if err != nil {
			return fmt.Errorf("%s: %w", obj.TypeName, err)
		}
		if ok {
			rows = append(rows, r)
		}
		return nil
	})
	if err != nil {
		return err
	}
	bc := &blockContext{
		processID: b.ProcessID, streamID: b.StreamID, blockID: b.BlockID,
		insertTime: b.InsertTime.UnixNano(),
		exe:        m.process.Exe, username: m.process.Username, computer: m.process.Computer,
		processProperties: m.process.Properties,
	}
	for _, r := range rows {
		if err := lb.append(bc, r); err != nil {
			return err
		}
	}
	lb.sourceBlocks++
	return nil
}
