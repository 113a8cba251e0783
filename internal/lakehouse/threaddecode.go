package lakehouse

import (
	"context"
	"fmt"
	"runtime"
	"strings"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// threadEvent is one begin or end event of a thread block.
type threadEvent struct {
	index int64 // stream-wide object index
	ns    int64
	site  int32 // in decodedThreadBlock.sites
	begin bool
}

// decodedThreadBlock is the thread events of one block, or why it could
// not be read.
type decodedThreadBlock struct {
	events []threadEvent
	sites  []spanSite // the distinct sites the events point to
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
		desc, isObj := r.Object(sh.desc)
		if !isObj || desc == nil {
			return fmt.Errorf("%s: member %s is %s, want an object", r.TypeName(), r.MemberName(sh.desc), r.Member(sh.desc).Kind())
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
		for i := range sites.list {
			st := &sites.list[i]
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
	list   []spanSite
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
	bs.list = append(bs.list, site)
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
