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
func (s *Span) BeginAsync(parent AsyncSpan) AsyncSpan { return s.beginAsync(parent, nil) }

// beginAsync begins an async span, recording its trace ids (nil: none)
// with its begin event.
func (s *Span) beginAsync(parent AsyncSpan, ids *TraceIDs) AsyncSpan {
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
	w := &sh.writers[kindCPU]
	if ids == nil {
		w.asyncEvent(beginAsyncSpanEvent, &a, t)
	} else {
		// One reservation: the trace and the begin event are in the same
		// block, where the lakehouse pairs them.
		b := w.reserve(asyncTraceSize + asyncSpanSize)
		putAsyncTrace(b, a.id, ids)
		putAsyncSpan(b[asyncTraceSize:], beginAsyncSpanEvent, &a, t)
		w.commitN(asyncTraceSize+asyncSpanSize, 2)
	}
	sys.releaseShard(pid)
	return a
}

// End ends the span.
func (a AsyncSpan) End() {
	if a.id == 0 || a.span == nil {
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
	putAsyncSpan(w.reserve(asyncSpanSize), typ, a, t)
	w.commit(asyncSpanSize)
}

// putAsyncSpan writes a begin or end event of a into b[:asyncSpanSize].
func putAsyncSpan(b []byte, typ byte, a *AsyncSpan, t int64) {
	b = b[:asyncSpanSize]
	b[0] = typ
	putU64(b[1:], a.span.id)
	putU64(b[9:], a.id)
	putU64(b[17:], a.parent)
	putI64(b[25:], t)
	putU32(b[33:], a.depth)
}

// PendingAsyncSpan is an async span begun before its name is known, such
// as an HTTP request, named by the route its router picks: BeginPending
// takes its id and start time, Finish records it whole with its Span.
// Spans begun under it (its AsyncSpan is their parent) are recorded as
// they go. The zero PendingAsyncSpan records nothing.
type PendingAsyncSpan struct {
	// AsyncSpan is the parent of the spans begun under this one; do not
	// End it.
	AsyncSpan
	begin int64
}

// BeginPending begins an async span under parent whose Span is given to
// Finish. It takes no lock and does not allocate.
func BeginPending(parent AsyncSpan) PendingAsyncSpan {
	sys := active.Load()
	if sys == nil || !sys.cpuTracing {
		return PendingAsyncSpan{}
	}
	p := PendingAsyncSpan{AsyncSpan: AsyncSpan{parent: parent.id}}
	if parent.id != 0 {
		p.depth = parent.depth + 1
	}
	p.begin = now()
	sh, pid := sys.acquireShard()
	p.id = sh.newAsyncSpanID()
	sys.releaseShard(pid)
	return p
}

// Finish records the span as a span of s, from BeginPending to now.
func (p PendingAsyncSpan) Finish(s *Span) { p.finish(s, nil) }

// finish records the span, with its trace ids (nil: none) before its
// begin event.
func (p PendingAsyncSpan) finish(s *Span, ids *TraceIDs) { p.finishWith(s, ids, nil) }

// finishWith records the span in one reservation, so that its events are
// in the same block: its trace ids (nil: none), its begin event, its
// status (nil: none) and its end event.
func (p PendingAsyncSpan) finishWith(s *Span, ids *TraceIDs, st *SpanStatus) {
	if p.id == 0 {
		return
	}
	sys := active.Load()
	if sys == nil {
		return
	}
	a := p.AsyncSpan
	a.span = s
	t := now()
	size, count := 2*asyncSpanSize, uint32(2)
	if ids != nil {
		size, count = size+asyncTraceSize, count+1
	}
	if st != nil {
		size, count = size+asyncStatusSize, count+1
	}
	sh, pid := sys.acquireShard()
	w := &sh.writers[kindCPU]
	b := w.reserve(size)
	i := 0
	if ids != nil {
		putAsyncTrace(b, a.id, ids)
		i = asyncTraceSize
	}
	putAsyncSpan(b[i:], beginAsyncSpanEvent, &a, p.begin)
	i += asyncSpanSize
	if st != nil {
		putAsyncStatus(b[i:], a.id, st)
		i += asyncStatusSize
	}
	putAsyncSpan(b[i:], endAsyncSpanEvent, &a, t)
	w.commitN(size, count)
	sys.releaseShard(pid)
}

type asyncSpanKey struct{}

// spanCtx carries an AsyncSpan in one allocation (context.WithValue takes
// two: the context and the boxed span).
type spanCtx struct {
	context.Context
	span AsyncSpan
}

// Value returns the span for asyncSpanKey.
func (c *spanCtx) Value(k any) any {
	if k == (asyncSpanKey{}) {
		return &c.span
	}
	return c.Context.Value(k)
}

// ContextWithAsyncSpan returns a copy of ctx carrying a, the parent of
// spans started from it.
func ContextWithAsyncSpan(ctx context.Context, a AsyncSpan) context.Context {
	return &spanCtx{Context: ctx, span: a}
}

// AsyncSpanFromContext returns the span carried by ctx, or the zero
// AsyncSpan.
func AsyncSpanFromContext(ctx context.Context) AsyncSpan {
	if p, ok := ctx.Value(asyncSpanKey{}).(*AsyncSpan); ok {
		return *p
	}
	return AsyncSpan{}
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
