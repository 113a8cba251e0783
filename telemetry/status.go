package telemetry

// SpanStatus is the outcome of the operation of an async span, such as a
// request: its status code (an HTTP status, a gRPC code) and the sizes of
// its request and response in bytes, -1 when unknown. Recorded with the
// span's end (FinishStatus, EndStatus), it becomes the status,
// request_bytes and response_bytes columns of the span's end row in the
// async_events view (null bytes when unknown). telemetry/httptrace and
// telemetry/grpctrace record it for every request.
type SpanStatus struct {
	Code          int64 // HTTP status, gRPC code, or what the operation's protocol uses
	RequestBytes  int64 // -1: unknown
	ResponseBytes int64 // -1: unknown
}

// EndStatus ends the span recording st, in the same block as its end
// event. It takes no lock and does not allocate.
func (a AsyncSpan) EndStatus(st SpanStatus) {
	if a.id == 0 || a.span == nil {
		return
	}
	sys := active.Load()
	if sys == nil {
		return
	}
	t := now()
	sh, pid := sys.acquireShard()
	w := &sh.writers[kindCPU]
	b := w.reserve(asyncStatusSize + asyncSpanSize)
	putAsyncStatus(b, a.id, &st)
	putAsyncSpan(b[asyncStatusSize:], endAsyncSpanEvent, &a, t)
	w.commitN(asyncStatusSize+asyncSpanSize, 2)
	sys.releaseShard(pid)
}

// FinishStatus is FinishTraced recording st as well, in the same block as
// the span's begin and end events (and its trace ids, unless
// ids.TraceID is zero). It takes no lock and does not allocate.
func (p PendingAsyncSpan) FinishStatus(s *Span, ids TraceIDs, st SpanStatus) {
	var tr *TraceIDs
	if ids.TraceID != [16]byte{} {
		tr = &ids
	}
	p.finishWith(s, tr, &st)
}

// putAsyncStatus writes the AsyncSpanStatusEvent of span id into
// b[:asyncStatusSize] (layout in schema.go).
func putAsyncStatus(b []byte, id uint64, st *SpanStatus) {
	b = b[:asyncStatusSize]
	b[0] = asyncSpanStatusEvent
	putU64(b[1:], id)
	putI64(b[9:], st.Code)
	putI64(b[17:], st.RequestBytes)
	putI64(b[25:], st.ResponseBytes)
}
