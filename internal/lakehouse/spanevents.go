package lakehouse

import (
	"fmt"

	"github.com/micromegas-go/micromegas/internal/transit"
)

// spanSite is the static description of a span: where it is in the code.
type spanSite struct {
	name, target, filename string
	line                   uint32
}

// spanEvent is one decoded begin or end event of a thread or async span.
type spanEvent struct {
	begin bool
	async bool
	ticks int64
	site  spanSite
	// Async spans only.
	spanID, parentSpanID int64
	depth                uint32
}

// spanEventKinds maps the span event types of spec 2.2 to (begin, async,
// named).
var spanEventKinds = map[string][3]bool{
	"BeginThreadSpanEvent":      {true, false, false},
	"EndThreadSpanEvent":        {false, false, false},
	"BeginThreadNamedSpanEvent": {true, false, true},
	"EndThreadNamedSpanEvent":   {false, false, true},
	"BeginAsyncSpanEvent":       {true, true, false},
	"EndAsyncSpanEvent":         {false, true, false},
	"BeginAsyncNamedSpanEvent":  {true, true, true},
	"EndAsyncNamedSpanEvent":    {false, true, true},
}

// siteCache memoizes the span sites of descriptor objects, which the
// decoder shares between the events of a block that reference them.
type siteCache map[*transit.Object]spanSite

func (c siteCache) get(desc *transit.Object, withName bool) (spanSite, error) {
	if c == nil {
		return siteOf(desc, withName)
	}
	if s, ok := c[desc]; ok {
		return s, nil
	}
	s, err := siteOf(desc, withName)
	if err == nil {
		c[desc] = s
	}
	return s, err
}

// spanEventCached decodes a span event, taking span sites from cache (nil:
// no cache); ok is false for other types.
func spanEventCached(obj *transit.Object, cache siteCache) (e spanEvent, ok bool, err error) {
	kind, found := spanEventKinds[obj.TypeName]
	if !found {
		return e, false, nil
	}
	e.begin, e.async = kind[0], kind[1]
	if e.ticks, err = obj.I64("time"); err != nil {
		return e, false, err
	}
	if kind[2] {
		loc, err := firstObject(obj, "thread_span_location", "span_location", "location")
		if err != nil {
			return e, false, err
		}
		if e.site, err = cache.get(loc, false); err != nil {
			return e, false, err
		}
		if e.site.name, err = obj.Str("name"); err != nil {
			return e, false, err
		}
	} else {
		desc, err := firstObject(obj, "thread_span_desc", "span_desc", "desc")
		if err != nil {
			return e, false, err
		}
		if e.site, err = cache.get(desc, true); err != nil {
			return e, false, err
		}
	}
	if e.async {
		id, err := obj.U64("span_id")
		if err != nil {
			return e, false, err
		}
		parent, err := obj.U64("parent_span_id")
		if err != nil {
			return e, false, err
		}
		if e.depth, err = obj.U32("depth"); err != nil {
			return e, false, err
		}
		e.spanID, e.parentSpanID = int64(id), int64(parent)
	}
	return e, true, nil
}

// firstObject returns the first of the named members that is present.
func firstObject(obj *transit.Object, names ...string) (*transit.Object, error) {
	for _, n := range names {
		if _, ok := obj.Get(n); ok {
			return obj.Obj(n)
		}
	}
	return nil, fmt.Errorf("%s: no span descriptor (members %v)", obj.TypeName, names)
}

// siteOf reads a SpanRecord (withName) or a SpanLocationRecord.
func siteOf(desc *transit.Object, withName bool) (s spanSite, err error) {
	if withName {
		if s.name, err = desc.Str("name"); err != nil {
			return s, err
		}
	}
	if s.target, err = desc.Str("target"); err != nil {
		return s, err
	}
	if s.filename, err = desc.Str("file"); err != nil {
		return s, err
	}
	if s.line, err = desc.U32("line"); err != nil {
		return s, err
	}
	return s, nil
}
