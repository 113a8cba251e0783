package lakehouse

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"

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
				tree.begin(e.index, e.ns, d.sites[e.site].global)
			} else {
				tree.end(e.index, e.ns, d.sites[e.site].global)
			}
		}
		tree.rangeEnd = max(tree.rangeEnd, m.conv.nanos(startTicks+b.EndTicks))
		dec.recycle(d.events)
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
	site  int32 // in decodedThreadBlock.sites; its global is the stream's
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
	free    chan []threadEvent         // event slices read, to decode into again
}

// decodeThreadBlocks starts decoding blocks; the goroutines stop when ctx
// is cancelled.
func (l *Lakehouse) decodeThreadBlocks(ctx context.Context, blocks []catalog.Block, m *streamMeta) *threadDecoder {
	workers := max(1, min(runtime.GOMAXPROCS(0), len(blocks)))
	d := &threadDecoder{
		results: make([]chan *decodedThreadBlock, len(blocks)),
		ahead:   make(chan struct{}, 2*workers),
		free:    make(chan []threadEvent, 2*workers+1),
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
			var dz transit.Decompressor
			for i := range jobs {
				var buf []threadEvent
				select {
				case buf = <-d.free:
				default:
				}
				d.results[i] <- l.decodeThreadBlock(ctx, blocks[i], m, &dz, buf)
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

// recycle hands back the events of a block once read.
func (d *threadDecoder) recycle(events []threadEvent) {
	select {
	case d.free <- events[:0]:
	default:
	}
}

// decodeThreadBlock decodes the thread span events of one block into buf
// (nil: a new slice), decompressing with dz. Span events are fixed-size
// records: their members are read straight from the record bytes
// (transit.ScanRecords), at the places found once per type.
func (l *Lakehouse) decodeThreadBlock(ctx context.Context, b catalog.Block, m *streamMeta, dz *transit.Decompressor, buf []threadEvent) *decodedThreadBlock {
	if buf == nil {
		buf = make([]threadEvent, 0, min(max(int(b.NbObjects), 0), maxPresizedRows))
	}
	d := &decodedThreadBlock{events: buf[:0]}
	sites := blockSites{byDesc: map[*transit.Object]int32{}, named: map[siteKey]int32{}}
	var shapes []*threadEventShape // by type index, for fixed-size records
	idx := b.ObjectOffset - 1
	dynamic := false // a dynamic record's strings live in dz's buffer
	d.err = l.scanBlock(ctx, b, m, dz, func(r *transit.Record) error {
		idx++
		var sh *threadEventShape
		if t := r.TypeIndex(); r.Fixed() && t < len(shapes) && shapes[t] != nil {
			sh = shapes[t]
		} else {
			sh = newThreadEventShape(r)
			if r.Fixed() {
				if t >= len(shapes) {
					shapes = append(shapes, make([]*threadEventShape, t+1-len(shapes))...)
				}
				shapes[t] = sh
			}
		}
		if !sh.thread {
			return nil
		}
		if sh.err != nil {
			return sh.err
		}
		ticks, isInt := r.Int64(sh.time)
		if !isInt {
			return fmt.Errorf("%s: member time is %s, want an integer", r.TypeName(), r.Member(sh.time).Kind())
		}
		dv := r.Member(sh.desc)
		desc, isObj := dv.Object()
		if !isObj || desc == nil {
			return fmt.Errorf("%s: member %s is %s, want an object", r.TypeName(), r.MemberName(sh.desc), dv.Kind())
		}
		name := ""
		if sh.named {
			nv := r.Member(sh.name)
			n, isStr := nv.Str()
			if !isStr {
				return fmt.Errorf("%s: member name is %s, want a string", r.TypeName(), nv.Kind())
			}
			name = n
		}
		if !r.Fixed() {
			dynamic = true
		}
		st, err := sites.get(desc, sh.named, name)
		if err != nil {
			return fmt.Errorf("%s: %w", r.TypeName(), err)
		}
		d.events = append(d.events, threadEvent{index: idx, ns: m.conv.nanos(ticks), site: st, begin: sh.begin})
		return nil
	})
	if d.err != nil {
		d.events = nil
	}
	if dynamic {
		for _, st := range sites.list {
			st.name, st.target, st.filename = strings.Clone(st.name), strings.Clone(st.target), strings.Clone(st.filename)
		}
	}
	d.sites = sites.list
	return d
}

// threadEventShape is where the members a thread event needs are in the
// records of one type (every fixed-size record of a type has the same
// members in the same order).
type threadEventShape struct {
	thread, begin, named bool
	time, desc, name     int
	err                  error // the type lacks a member
}

func newThreadEventShape(r *transit.Record) *threadEventShape {
	sh := &threadEventShape{time: -1, desc: -1, name: -1}
	typeName := r.TypeName()
	sh.begin, sh.named, sh.thread = threadEventKind(typeName)
	if !sh.thread {
		return sh
	}
	for i := range r.NumMembers() {
		switch r.MemberName(i) {
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
		sh.err = fmt.Errorf("%s: no member time", typeName)
	case sh.desc < 0:
		sh.err = fmt.Errorf("%s: no span descriptor", typeName)
	case sh.named && sh.name < 0:
		sh.err = fmt.Errorf("%s: no member name", typeName)
	}
	return sh
}

// blockSites maps the descriptors of one block to span sites, numbered
// in list. A block has few sites: they are looked up in recent first.
type blockSites struct {
	byDesc map[*transit.Object]int32 // unnamed spans
	named  map[siteKey]int32
	list   []*spanSite
	recent []recentSite // the first sites met, searched linearly
}

// recentSite is one entry of blockSites.recent.
type recentSite struct {
	desc  *transit.Object
	named bool
	name  string
	i     int32
}

// maxRecentSites bounds blockSites.recent.
const maxRecentSites = 16

// get returns the number of the site of a span descriptor (with name, of
// a named span's location).
func (bs *blockSites) get(desc *transit.Object, named bool, name string) (int32, error) {
	for k := range bs.recent {
		if r := &bs.recent[k]; r.desc == desc && r.named == named && (!named || r.name == name) {
			return r.i, nil
		}
	}
	if !named {
		if i, ok := bs.byDesc[desc]; ok {
			return i, nil
		}
	} else if i, ok := bs.named[siteKey{desc, name}]; ok {
		return i, nil
	}
	site, err := siteOf(desc, !named)
	if err != nil {
		return 0, err
	}
	if named {
		site.name = name
	}
	i := int32(len(bs.list))
	if named {
		bs.named[siteKey{desc, name}] = i
	} else {
		bs.byDesc[desc] = i
	}
	bs.list = append(bs.list, &site)
	if len(bs.recent) < maxRecentSites {
		bs.recent = append(bs.recent, recentSite{desc: desc, named: named, name: name, i: i})
	}
	return i, nil
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

// write appends spans. The time and id columns are appended on another
// goroutine while this one appends the site columns (only it touches the
// sites' hash and dictionary indices).
func (w *spanWriter) write(spans []span) error {
	n := len(spans)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.ids.Reserve(n)
		w.par.Reserve(n)
		w.depth.Reserve(n)
		w.begin.Reserve(n)
		w.end.Reserve(n)
		w.dur.Reserve(n)
		for i := range spans {
			sp := &spans[i]
			w.ids.UnsafeAppend(sp.id)
			w.par.UnsafeAppend(sp.parent)
			w.depth.UnsafeAppend(sp.depth)
			w.begin.UnsafeAppend(arrow.Timestamp(sp.begin))
			w.end.UnsafeAppend(arrow.Timestamp(sp.end))
			w.dur.UnsafeAppend(sp.end - sp.begin)
			w.s.noteRow(sp.begin, sp.end)
		}
	}()
	err := w.writeSites(spans)
	<-done
	return err
}

// writeSites appends the site columns of spans: hash, name, target,
// filename and line.
func (w *spanWriter) writeSites(spans []span) error {
	n := len(spans)
	w.hash.Reserve(n)
	w.line.Reserve(n)
	c := w.s.c
	for i := range 3 {
		c.d[7+i].pending = slices.Grow(c.d[7+i].pending, n)
	}
	for i := range spans {
		st := spans[i].site
		if st.written {
			for j := range 3 {
				c.d[7+j].pending = append(c.d[7+j].pending, st.dictIndex[j])
			}
		} else {
			st.hash = spanHash(*st)
			for j, v := range [...]string{st.name, st.target, st.filename} {
				if err := c.d[7+j].add(v); err != nil {
					return err
				}
				st.dictIndex[j] = c.d[7+j].memo[v]
			}
			st.written = true
		}
		w.hash.UnsafeAppend(st.hash)
		w.line.UnsafeAppend(st.line)
	}
	return nil
}
