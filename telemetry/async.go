package telemetry

import "context"

// AsyncSpan is an async span in progress: begun on any goroutine, ended on
// any goroutine, nested under a parent by id. Async spans become the
// async_events view of the process. The zero AsyncSpan is "no span": the
// parent of root spans, and what BeginAsync returns when CPU tracing is
// disabled; ending it does nothing.
type AsyncSpan struct {
	span   *Span
	id     uint64
	parent uint64
	depth  uint32
}

// ID returns the span's id (unique in the process), 0 for no span.
func (a AsyncSpan) ID() uint64 { return a.id }

// ParentID returns the id of the span's parent, 0 for a root.
func (a AsyncSpan) ParentID() uint64 { return a.parent }

// Depth returns the span's depth: 0 for a root.
func (a AsyncSpan) Depth() uint32 { return a.depth }

// BeginAsync begins an async span of s under parent (the zero AsyncSpan
// for a root) and returns it; call End on the result, from any goroutine.
// It takes no lock and does not allocate.
func (s *Span) BeginAsync(parent AsyncSpan) AsyncSpan {
	sys := active.Load()
	if sys == nil || !sys.cpuTracing {
		return AsyncSpan{}
	}
	a := AsyncSpan{span: s, parent: parent.id}
	if parent.id != 0 {
		a.depth = parent.depth + 1
	}
	t := now()
	sh, pid := sys.acquireShard()
	a.id = sh.newAsyncSpanID()
	sh.writers[kindCPU].asyncEvent(beginAsyncSpanEvent, &a, t)
	sys.releaseShard(pid)
	return a
}

// End ends the span.
func (a AsyncSpan) End() {
	if a.id == 0 {
		return
	}
	sys := active.Load()
	if sys == nil {
		return
	}
	t := now()
	sh, pid := sys.acquireShard()
	sh.writers[kindCPU].asyncEvent(endAsyncSpanEvent, &a, t)
	sys.releaseShard(pid)
}

func (w *writer) asyncEvent(typ byte, a *AsyncSpan, t int64) {
	b := w.reserve(asyncSpanSize)
	b[0] = typ
	putU64(b[1:], a.span.id)
	putU64(b[9:], a.id)
	putU64(b[17:], a.parent)
	putI64(b[25:], t)
	putU32(b[33:], a.depth)
	w.commit(asyncSpanSize)
}

type asyncSpanKey struct{}

// ContextWithAsyncSpan returns a copy of ctx carrying a, the parent of
// spans started from it.
func ContextWithAsyncSpan(ctx context.Context, a AsyncSpan) context.Context {
	return context.WithValue(ctx, asyncSpanKey{}, a)
}

// AsyncSpanFromContext returns the span carried by ctx, or the zero
// AsyncSpan.
func AsyncSpanFromContext(ctx context.Context) AsyncSpan {
	a, _ := ctx.Value(asyncSpanKey{}).(AsyncSpan)
	return a
}

// StartAsyncSpan begins an async span of s whose parent is the span
// carried by ctx, and returns a context carrying the new span. It
// allocates the context; use BeginAsync on hot paths.
//
//	ctx, span := telemetry.StartAsyncSpan(ctx, spanFetch)
//	defer span.End()
func StartAsyncSpan(ctx context.Context, s *Span) (context.Context, AsyncSpan) {
	a := s.BeginAsync(AsyncSpanFromContext(ctx))
	if a.id == 0 {
		return ctx, a
	}
	return ContextWithAsyncSpan(ctx, a), a
}
