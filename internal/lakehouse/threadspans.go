package lakehouse

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// threadName names the root span of a thread stream (spec 5.2).
func threadName(st catalog.Stream) string {
	if n := st.Properties["thread-name"]; n != "" {
		return n
	}
	if n := st.Properties["thread-id"]; n != "" {
		return n
	}
	return st.StreamID
}

// siteTable numbers the distinct span sites of a stream: rows refer to
// them by number. It only grows and never changes an entry, so a row
// group being written reads a prefix of it while the call trees go on.
type siteTable struct {
	list   []spanSite
	hashes []uint32 // spanHash of each site
	index  map[spanSite]int32
}

func newSiteTable() *siteTable { return &siteTable{index: map[spanSite]int32{}} }

// intern returns the number of the site equal to s, adding it if new.
func (t *siteTable) intern(s spanSite) int32 {
	if i, ok := t.index[s]; ok {
		return i
	}
	i := int32(len(t.list))
	t.list = append(t.list, s)
	t.hashes = append(t.hashes, spanHash(s))
	t.index[s] = i
	return i
}

// errLostBet reports that a call tree handed out rows that later events
// changed (callTree.take): the partition must be rebuilt without handing
// rows out early.
var errLostBet = errors.New("thread spans handed out early were changed by later events")

// writeThreadSpans converts the blocks of one thread stream into the
// thread_spans partition [begin, end) of instance and commits it. The
// Parquet file is written while the blocks are converted: each call tree
// hands out its first rows before it is finished. If a later event
// changes them (a span that began before the tree ends after rows were
// written), the file is abandoned and the blocks are converted again
// with each tree written once finished.
func (l *Lakehouse) writeThreadSpans(ctx context.Context, v *viewSet, instance string, begin, end time.Time, blocks []catalog.Block) (catalog.Partition, error) {
	var f spanFile
	var sources int64
	if len(blocks) > 0 {
		m, err := newSources(l.opts.Catalog).get(ctx, blocks[0])
		switch {
		case isNotFound(err): // no rows until the stream's metadata arrives
		case err != nil:
			return catalog.Partition{}, err
		default:
			sources = int64(len(blocks))
			f, err = l.writeSpanFile(ctx, v, instance, begin, blocks, m, true)
			if errors.Is(err, errLostBet) {
				l.log.Debug("converting thread spans again, each tree written once finished", "stream", instance, "reason", err)
				f, err = l.writeSpanFile(ctx, v, instance, begin, blocks, m, false)
			}
			if err != nil {
				return catalog.Partition{}, err
			}
		}
	}
	p := newPartition(v, instance, begin, end, sources, f.rows)
	if f.rows > 0 {
		p.FilePath, p.FileSize = f.key, f.size
		p.MinEventTime = time.Unix(0, f.minTime).UTC()
		p.MaxEventTime = time.Unix(0, f.maxTime).UTC()
	}
	return p, l.commitPartition(ctx, p)
}

// spanFile is a thread_spans file written: no key when it has no rows.
type spanFile struct {
	key                    string
	size                   int64
	rows, minTime, maxTime int64
	earlyRows              int64 // rows handed out before their tree was finished
}

// writeSpanFile converts blocks into a thread_spans Parquet file, created
// when the first row group is written. With speculate, rows are written
// as soon as their tree hands them out; errLostBet says that the bet was
// lost (the file is abandoned).
func (l *Lakehouse) writeSpanFile(ctx context.Context, v *viewSet, instance string, begin time.Time, blocks []catalog.Block, m *streamMeta, speculate bool) (spanFile, error) {
	f := spanFile{key: partitionKey(v.name, instance, begin)}
	wctx, cancel := context.WithCancel(ctx) // cancelled before Close: the object is abandoned
	defer cancel()
	var w io.WriteCloser
	var cw *countingWriter
	tbl := newSpanTable(newSiteTable(), l.spanRows(), func() (io.Writer, error) {
		var err error
		if w, err = l.opts.Blobs.NewWriter(wctx, f.key); err != nil {
			return nil, fmt.Errorf("create %s: %w", f.key, err)
		}
		cw = &countingWriter{w: w}
		return cw, nil
	})
	err := l.buildThreadSpans(ctx, blocks, m, tbl, speculate)
	if err != nil {
		tbl.abort()
	} else {
		err = tbl.close()
	}
	if err != nil {
		if w != nil {
			cancel()
			w.Close()
		}
		if errors.Is(err, errLostBet) {
			return f, err
		}
		return f, fmt.Errorf("write %s: %w", f.key, err)
	}
	if w == nil {
		return spanFile{}, nil
	}
	if err := w.Close(); err != nil {
		return f, fmt.Errorf("write %s: %w", f.key, err)
	}
	f.size = cw.n
	f.rows, f.minTime, f.maxTime, f.earlyRows = tbl.rows, tbl.minTime, tbl.maxTime, tbl.earlyRows
	return f, nil
}

// buildThreadSpans rebuilds the call trees of the blocks of one thread
// stream and hands their rows, in order, to out. Blocks are taken in
// stream order; a block whose begin ticks differ from the previous
// block's end ticks starts a new tree, as does a block that cannot be
// read (it is logged and skipped). Blocks are decoded on all cores
// (decodeThreadBlocks), the trees are rebuilt in stream order. With
// speculate, a tree hands out its rows as soon as they look final
// (callTree.take), betting that it ends where its run of contiguous
// blocks ends; errLostBet says the bet was lost.
func (l *Lakehouse) buildThreadSpans(ctx context.Context, blocks []catalog.Block, m *streamMeta, out *spanTable, speculate bool) error {
	blocks = slices.Clone(blocks)
	slices.SortFunc(blocks, func(a, b catalog.Block) int {
		if c := cmp.Compare(a.ObjectOffset, b.ObjectOffset); c != 0 {
			return c
		}
		return cmp.Compare(a.BeginTicks, b.BeginTicks)
	})
	startTicks := m.process.StartTicks
	nanos := func(ticks int64) int64 { return m.conv.nanos(startTicks + ticks) }
	// runEnd[i] is where a tree that starts at block i ends if every
	// block of its run of contiguous blocks can be read.
	runEnd := make([]int64, len(blocks))
	var total int64
	for i := len(blocks) - 1; i >= 0; i-- {
		runEnd[i] = nanos(blocks[i].EndTicks)
		if i+1 < len(blocks) && blocks[i+1].BeginTicks == blocks[i].EndTicks {
			runEnd[i] = max(runEnd[i], runEnd[i+1])
		}
		total += int64(max(blocks[i].NbObjects, 0))
	}
	root := out.sites.intern(spanSite{name: threadName(m.stream)})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dec := l.decodeThreadBlocks(ctx, blocks, m)
	var tree *callTree
	finish := func() error {
		rows := tree.finish(tree.rangeEnd)
		if tree.broken {
			return errLostBet
		}
		tree = nil
		return out.add(rows)
	}
	var gids []int32 // the stream's numbers of a block's sites
	var now int64    // time of the last event
	var prev *catalog.Block
	for i := range blocks {
		b := &blocks[i]
		d, err := dec.next(ctx, i)
		if err != nil {
			return err
		}
		if tree != nil && (b.BeginTicks != prev.EndTicks || d.err != nil) {
			if err := finish(); err != nil {
				return err
			}
		}
		if d.err != nil {
			if unreachable(ctx, d.err) {
				return fmt.Errorf("read block %s: %w", b.BlockID, d.err)
			}
			l.log.Warn("skipping a thread block that cannot be read", "block_id", b.BlockID, "err", d.err)
			continue
		}
		gids = gids[:0]
		for _, st := range d.sites {
			gids = append(gids, out.sites.intern(st))
		}
		if tree == nil {
			rangeBegin := nanos(b.BeginTicks)
			if speculate {
				// Rows leave the tree as it grows: a few row groups.
				tree = newCallTree(rangeBegin, root, 2*l.spanRows())
				tree.predictEnd(max(rangeBegin, runEnd[i]))
			} else {
				tree = newCallTree(rangeBegin, root, int(min(total/2+2, 1<<24)))
			}
			now = rangeBegin
		}
		for _, e := range d.events {
			if e.ns > tree.rangeEnd {
				tree.rangeEnd = e.ns
			}
			if e.begin {
				tree.begin(e.index, e.ns, gids[e.site])
			} else {
				tree.end(e.index, e.ns, gids[e.site])
			}
		}
		if n := len(d.events); n > 0 {
			now = d.events[n-1].ns
		}
		tree.rangeEnd = max(tree.rangeEnd, nanos(b.EndTicks))
		dec.recycle(d.events)
		prev = b
		if speculate {
			if err := tree.take(now, l.spanRows(), out.addEarly); err != nil {
				return err
			}
			if tree.broken {
				return errLostBet
			}
		}
	}
	if tree != nil {
		return finish()
	}
	return nil
}
