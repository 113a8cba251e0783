package telemetry

import "encoding/binary"

// TraceIDs is the OpenTelemetry (W3C Trace Context) identity of an async
// span: the trace it belongs to, its own span id in that trace, and the id
// of the span that called it. Recorded with the span (BeginAsyncTraced,
// FinishTraced), it becomes the trace_id, otel_span_id and
// otel_parent_span_id columns of the span's begin row in the async_events
// view, as the lowercase hex of traceparent headers and of the otel_spans
// view. telemetry/httptrace and telemetry/grpctrace record it for every
// request.
type TraceIDs struct {
	TraceID      [16]byte // all zero: no trace, nothing is recorded
	SpanID       [8]byte  // zero: unknown
	ParentSpanID [8]byte  // zero: the span is the root of its trace
}

// BeginAsyncTraced is BeginAsync recording ids as the span's trace, in
// the same block as its begin event. It takes no lock and does not
// allocate.
func (s *Span) BeginAsyncTraced(parent AsyncSpan, ids TraceIDs) AsyncSpan {
	if ids.TraceID == [16]byte{} {
		return s.beginAsync(parent, nil)
	}
	return s.beginAsync(parent, &ids)
}

// FinishTraced is Finish recording ids as the span's trace, in the same
// block as its begin and end events. It takes no lock and does not
// allocate.
func (p PendingAsyncSpan) FinishTraced(s *Span, ids TraceIDs) {
	if ids.TraceID == [16]byte{} {
		p.finish(s, nil)
		return
	}
	p.finish(s, &ids)
}

// putAsyncTrace writes the AsyncSpanTraceEvent of span id into
// b[:asyncTraceSize] (layout in schema.go).
func putAsyncTrace(b []byte, id uint64, ids *TraceIDs) {
	b = b[:asyncTraceSize]
	b[0] = asyncSpanTraceEvent
	putU64(b[1:], id)
	putU64(b[9:], binary.BigEndian.Uint64(ids.TraceID[:8]))
	putU64(b[17:], binary.BigEndian.Uint64(ids.TraceID[8:]))
	putU64(b[25:], binary.BigEndian.Uint64(ids.SpanID[:]))
	putU64(b[33:], binary.BigEndian.Uint64(ids.ParentSpanID[:]))
}
