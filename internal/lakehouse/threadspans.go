package lakehouse

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/transit"
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

// appendThreadSpans rebuilds the call trees of the blocks of one thread
// stream and appends their spans. Blocks are taken in stream order; a
// block whose begin ticks differ from the previous block's end ticks starts
// a new tree, as does a block that cannot be read (it is logged and
// skipped).
func (l *Lakehouse) appendThreadSpans(ctx context.Context, s *sink, blocks []catalog.Block, m *streamMeta) error {
	blocks = slices.Clone(blocks)
	slices.SortFunc(blocks, func(a, b catalog.Block) int {
		if c := cmp.Compare(a.ObjectOffset, b.ObjectOffset); c != 0 {
			return c
		}
		return cmp.Compare(a.BeginTicks, b.BeginTicks)
	})
	root := &spanSite{name: threadName(m.stream)}
	sites := map[spanSite]*spanSite{}
	intern := func(st spanSite) *spanSite {
		if p, ok := sites[st]; ok {
			return p
		}
		p := &st
		sites[st] = p
		return p
	}
	hashes := map[*spanSite]uint32{}
	c := s.c
	emit := func(spans []span) error {
		for _, sp := range spans {
			h, ok := hashes[sp.site]
			if !ok {
				h = spanHash(*sp.site)
				hashes[sp.site] = h
			}
			c.i64(0, sp.id)
			c.i64(1, sp.parent)
			c.u32(2, sp.depth)
			c.u32(3, h)
			c.ts(4, sp.begin)
			c.ts(5, sp.end)
			c.i64(6, sp.end-sp.begin)
			for i, v := range []string{sp.site.name, sp.site.target, sp.site.filename} {
				if err := c.dict(7+i, v); err != nil {
					return err
				}
			}
			c.u32(10, sp.site.line)
			s.noteRow(sp.begin, sp.end)
		}
		return nil
	}
	startTicks := m.process.StartTicks
	var total int64
	for _, b := range blocks {
		total += int64(b.NbObjects)
	}
	var tree *callTree
	var prev *catalog.Block
	for i := range blocks {
		b := &blocks[i]
		if tree != nil && b.BeginTicks != prev.EndTicks {
			if err := emit(tree.finish(tree.rangeEnd)); err != nil {
				return err
			}
			tree = nil
		}
		type ev struct {
			index int64
			e     spanEvent
		}
		events := make([]ev, 0, b.NbObjects)
		cache := siteCache{}
		idx := b.ObjectOffset
		err := l.parseBlock(ctx, *b, m, func(obj *transit.Object) error {
			defer func() { idx++ }()
			e, ok, err := spanEventCached(obj, cache)
			if err != nil {
				return fmt.Errorf("%s: %w", obj.TypeName, err)
			}
			if ok && !e.async {
				events = append(events, ev{idx, e})
			}
			return nil
		})
		if err != nil {
			l.log.Warn("skipping a thread block that cannot be read", "block_id", b.BlockID, "err", err)
			if tree != nil {
				if err := emit(tree.finish(tree.rangeEnd)); err != nil {
					return err
				}
				tree = nil
			}
			continue
		}
		if tree == nil {
			tree = newCallTree(m.conv.nanos(startTicks+b.BeginTicks), root)
			tree.spans = make([]span, 0, total/2+1)
		}
		for _, x := range events {
			ns := m.conv.nanos(x.e.ticks)
			if ns > tree.rangeEnd {
				tree.rangeEnd = ns
			}
			if x.e.begin {
				tree.begin(x.index, ns, intern(x.e.site))
			} else {
				tree.end(x.index, ns, intern(x.e.site))
			}
		}
		tree.rangeEnd = max(tree.rangeEnd, m.conv.nanos(startTicks+b.EndTicks))
		prev = b
	}
	if tree != nil {
		return emit(tree.finish(tree.rangeEnd))
	}
	return nil
}
