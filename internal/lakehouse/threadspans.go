package lakehouse

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
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
// skipped). Blocks are decoded on all cores (decodeThreadBlocks), the
// trees are rebuilt in stream order.
func (l *Lakehouse) appendThreadSpans(ctx context.Context, s *sink, blocks []catalog.Block, m *streamMeta) error {
	blocks = slices.Clone(blocks)
	slices.SortFunc(blocks, func(a, b catalog.Block) int {
		if c := cmp.Compare(a.ObjectOffset, b.ObjectOffset); c != 0 {
			return c
		}
		return cmp.Compare(a.BeginTicks, b.BeginTicks)
	})
	out := newSpanWriter(s, &spanSite{name: threadName(m.stream)})
	interned := map[spanSite]*spanSite{}
	startTicks := m.process.StartTicks
	var total int64
	for _, b := range blocks {
		total += int64(max(b.NbObjects, 0))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dec := l.decodeThreadBlocks(ctx, blocks, m)
	var tree *callTree
	var prev *catalog.Block
	for i := range blocks {
		b := &blocks[i]
		d, err := dec.next(ctx, i)
		if err != nil {
			return err
		}
		if tree != nil && b.BeginTicks != prev.EndTicks {
			if err := out.write(tree.finish(tree.rangeEnd)); err != nil {
				return err
			}
			tree = nil
		}
		if d.err != nil {
			l.log.Warn("skipping a thread block that cannot be read", "block_id", b.BlockID, "err", d.err)
			if tree != nil {
				if err := out.write(tree.finish(tree.rangeEnd)); err != nil {
					return err
				}
				tree = nil
			}
			continue
		}
		for _, st := range d.sites {
			st.global = intern(interned, st)
		}
		if tree == nil {
			tree = newCallTree(m.conv.nanos(startTicks+b.BeginTicks), out.root, int(min(total/2+2, 1<<24)))
		}
		for _, e := range d.events {
			if e.ns > tree.rangeEnd {
				tree.rangeEnd = e.ns
			}
			if e.begin {
				tree.begin(e.index, e.ns, e.site.global)
			} else {
				tree.end(e.index, e.ns, e.site.global)
			}
		}
		tree.rangeEnd = max(tree.rangeEnd, m.conv.nanos(startTicks+b.EndTicks))
		prev = b
	}
	if tree != nil {
		return out.write(tree.finish(tree.rangeEnd))
	}
	return nil
}

// intern returns the site of the stream equal to st.
func intern(interned map[spanSite]*spanSite, st *spanSite) *spanSite {
	key := spanSite{name: st.name, target: st.target, filename: st.filename, line: st.line}
	if p, ok := interned[key]; ok {
		return p
	}
	p := &key
	interned[key] = p
	return p
}

// threadEvent is one begin or end event of a thread block.
type threadEvent struct {
	index int64 // stream-wide object index
	ns    int64
	site  *spanSite // a site of the block; site.global is the stream's
	begin bool
}

// decodedThreadBlock is the thread events of one block, or why it could
// not be read.
type decodedThreadBlock struct {
	events []threadEvent
	sites  []*spanSite // the distinct sites the events point to
	err    error
}

// threadDecoder decodes the blocks of a thread stream on GOMAXPROCS
// goroutines, a few blocks ahead of the reader.
type threadDecoder struct {
	results []chan *decodedThreadBlock // block i's result on results[i]
	ahead   chan struct{}              // one token per block dispatched and not yet read
}

// decodeThreadBlocks starts decoding blocks; the goroutines stop when ctx
// is cancelled.
func (l *Lakehouse) decodeThreadBlocks(ctx context.Context, blocks []catalog.Block, m *streamMeta) *threadDecoder {
	workers := max(1, min(runtime.GOMAXPROCS(0), len(blocks)))
	d := &threadDecoder{
		results: make([]chan *decodedThreadBlock, len(blocks)),
		ahead:   make(chan struct{}, 2*workers),
	}
	for i := range d.results {
		d.results[i] = make(chan *decodedThreadBlock, 1)
	}
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		for i := range blocks {
			select {
			case d.ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		go func() {
			for i := range jobs {
				d.results[i] <- l.decodeThreadBlock(ctx, blocks[i], m)
			}
		}()
	}
	return d
}

// next waits for the result of block i; blocks are read in order.
func (d *threadDecoder) next(ctx context.Context, i int) (*decodedThreadBlock, error) {
	select {
	case r := <-d.results[i]:
		<-d.ahead
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// decodeThreadBlock decodes the thread span events of one block.
func (l *Lakehouse) decodeThreadBlock(ctx context.Context, b catalog.Block, m *streamMeta) *decodedThreadBlock {
	d := &decodedThreadBlock{events: make([]threadEvent, 0, min(max(int(b.NbObjects), 0), maxPresizedRows))}
	sites := blockSites{byDesc: map[*transit.Object]*spanSite{}, named: map[siteKey]*spanSite{}}
	var shapes []threadEventShape
	idx := b.ObjectOffset - 1
	d.err = l.parseBlock(ctx, b, m, func(obj *transit.Object) error {
		idx++
		sh := findShape(shapes, obj)
		if sh == nil {
			shapes = append(shapes, newThreadEventShape(obj))
			sh = &shapes[len(shapes)-1]
		}
		if !sh.thread {
			return nil
		}
		if sh.err != nil {
			return sh.err
		}
		ticks, isInt := obj.Members[sh.time].Value.I64()
		if !isInt {
			return fmt.Errorf("%s: member time is %s, want an integer", obj.TypeName, obj.Members[sh.time].Value.Kind())
		}
		desc, isObj := obj.Members[sh.desc].Value.Object()
		if !isObj || desc == nil {
			return fmt.Errorf("%s: member %s is %s, want an object", obj.TypeName, obj.Members[sh.desc].Name, obj.Members[sh.desc].Value.Kind())
		}
		name := ""
		if sh.named {
			n, isStr := obj.Members[sh.name].Value.Str()
			if !isStr {
				return fmt.Errorf("%s: member name is %s, want a string", obj.TypeName, obj.Members[sh.name].Value.Kind())
			}
			name = n
		}
		st, err := sites.get(desc, sh.named, name)
		if err != nil {
			return fmt.Errorf("%s: %w", obj.TypeName, err)
		}
		d.events = append(d.events, threadEvent{index: idx, ns: m.conv.nanos(ticks), site: st, begin: sh.begin})
		return nil
	})
	if d.err != nil {
		d.events = nil
	}
	d.sites = sites.list
	return d
}

// threadEventShape is where the members a thread event needs are in the
// objects of one type (the decoder gives every object of a type the same
// members in the same order).
type threadEventShape struct {
	typeName             string
	thread, begin, named bool
	time, desc, name     int
	memberNames          []string
	err                  error // the type lacks a member
}

func newThreadEventShape(obj *transit.Object) threadEventShape {
	sh := threadEventShape{typeName: obj.TypeName, time: -1, desc: -1, name: -1}
	sh.begin, sh.named, sh.thread = threadEventKind(obj.TypeName)
	for i, f := range obj.Members {
		sh.memberNames = append(sh.memberNames, f.Name)
		switch f.Name {
		case "time":
			sh.time = i
		case "thread_span_desc", "thread_span_location", "span_desc", "span_location", "desc", "location":
			if sh.desc < 0 {
				sh.desc = i
			}
		case "name":
			sh.name = i
		}
	}
	switch {
	case sh.time < 0:
		sh.err = fmt.Errorf("%s: no member time", obj.TypeName)
	case sh.desc < 0:
		sh.err = fmt.Errorf("%s: no span descriptor", obj.TypeName)
	case sh.named && sh.name < 0:
		sh.err = fmt.Errorf("%s: no member name", obj.TypeName)
	}
	return sh
}

// findShape returns the shape of obj's type, if known and obj has the
// same members.
func findShape(shapes []threadEventShape, obj *transit.Object) *threadEventShape {
	for i := range shapes {
		sh := &shapes[i]
		if sh.typeName != obj.TypeName || len(sh.memberNames) != len(obj.Members) {
			continue
		}
		same := true
		for j, n := range sh.memberNames {
			if obj.Members[j].Name != n {
				same = false
				break
			}
		}
		if same {
			return sh
		}
	}
	return nil
}

// blockSites maps the descriptors of one block to span sites.
type blockSites struct {
	byDesc map[*transit.Object]*spanSite // unnamed spans
	named  map[siteKey]*spanSite
	list   []*spanSite
}

// get returns the site of a span descriptor (with name, of a named span's
// location).
func (bs *blockSites) get(desc *transit.Object, named bool, name string) (*spanSite, error) {
	if !named {
		if st, ok := bs.byDesc[desc]; ok {
			return st, nil
		}
	} else if st, ok := bs.named[siteKey{desc, name}]; ok {
		return st, nil
	}
	site, err := siteOf(desc, !named)
	if err != nil {
		return nil, err
	}
	if named {
		site.name = name
	}
	st := &site
	if named {
		bs.named[siteKey{desc, name}] = st
	} else {
		bs.byDesc[desc] = st
	}
	bs.list = append(bs.list, st)
	return st, nil
}

// siteKey identifies a span site within a block: its descriptor, and the
// name of a named span.
type siteKey struct {
	desc *transit.Object
	name string
}

// threadEventKind classifies the thread span events of spec 2.2.
func threadEventKind(typeName string) (begin, named, ok bool) {
	switch typeName {
	case "BeginThreadSpanEvent":
		return true, false, true
	case "EndThreadSpanEvent":
		return false, false, true
	case "BeginThreadNamedSpanEvent":
		return true, true, true
	case "EndThreadNamedSpanEvent":
		return false, true, true
	}
	return false, false, false
}

// spanWriter appends spans to the thread_spans columns, computing the
// hash and the dictionary indices of each site once (spanSite.written).
type spanWriter struct {
	s     *sink
	root  *spanSite
	ids   *array.Int64Builder
	par   *array.Int64Builder
	depth *array.Uint32Builder
	hash  *array.Uint32Builder
	begin *array.TimestampBuilder
	end   *array.TimestampBuilder
	dur   *array.Int64Builder
	line  *array.Uint32Builder
}

func newSpanWriter(s *sink, root *spanSite) *spanWriter {
	c := s.c
	return &spanWriter{s: s, root: root,
		ids: c.b[0].(*array.Int64Builder), par: c.b[1].(*array.Int64Builder),
		depth: c.b[2].(*array.Uint32Builder), hash: c.b[3].(*array.Uint32Builder),
		begin: c.b[4].(*array.TimestampBuilder), end: c.b[5].(*array.TimestampBuilder),
		dur: c.b[6].(*array.Int64Builder), line: c.b[10].(*array.Uint32Builder),
	}
}

// write appends spans.
func (w *spanWriter) write(spans []span) error {
	n := len(spans)
	w.ids.Reserve(n)
	w.par.Reserve(n)
	w.depth.Reserve(n)
	w.hash.Reserve(n)
	w.begin.Reserve(n)
	w.end.Reserve(n)
	w.dur.Reserve(n)
	w.line.Reserve(n)
	c := w.s.c
	for i := range 3 {
		c.d[7+i].pending = slices.Grow(c.d[7+i].pending, n)
	}
	for i := range spans {
		sp := &spans[i]
		st := sp.site
		if !st.written {
			st.hash = spanHash(*st)
		}
		w.ids.UnsafeAppend(sp.id)
		w.par.UnsafeAppend(sp.parent)
		w.depth.UnsafeAppend(sp.depth)
		w.hash.UnsafeAppend(st.hash)
		w.begin.UnsafeAppend(arrow.Timestamp(sp.begin))
		w.end.UnsafeAppend(arrow.Timestamp(sp.end))
		w.dur.UnsafeAppend(sp.end - sp.begin)
		if st.written {
			for j := range 3 {
				c.d[7+j].pending = append(c.d[7+j].pending, st.dictIndex[j])
			}
		} else {
			for j, v := range [...]string{st.name, st.target, st.filename} {
				if err := c.d[7+j].add(v); err != nil {
					return err
				}
				st.dictIndex[j] = c.d[7+j].memo[v]
			}
			st.written = true
		}
		w.line.UnsafeAppend(st.line)
		w.s.noteRow(sp.begin, sp.end)
	}
	return nil
}
