package lakehouse

import (
	"context"
	"fmt"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// appendAsyncBlock appends the async span events of one thread block
// (view async_events, spec 5.2); on error nothing of the block is appended.
func (l *Lakehouse) appendAsyncBlock(ctx context.Context, s *sink, b catalog.Block, m *streamMeta) error {
	var events []spanEvent
	cache := siteCache{}
	err := l.parseBlock(ctx, b, m, func(obj *transit.Object) error {
		e, ok, err := spanEventCached(obj, cache)
		if err != nil {
			return fmt.Errorf("%s: %w", obj.TypeName, err)
		}
		if ok && e.async {
			events = append(events, e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	c := s.c
	for _, e := range events {
		t := m.conv.nanos(e.ticks)
		c.dict(0, b.StreamID)
		c.dict(1, b.BlockID)
		c.ts(2, t)
		typ := "end"
		if e.begin {
			typ = "begin"
		}
		c.dict(3, typ)
		c.i64(4, e.spanID)
		c.i64(5, e.parentSpanID)
		c.u32(6, e.depth)
		for i, v := range []string{e.site.name, e.site.filename, e.site.target} {
			c.dict(7+i, v)
		}
		c.u32(10, e.site.line)
		s.noteRow(t, t)
	}
	return nil
}
