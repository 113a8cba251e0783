package telemetry

import (
	"context"
	"fmt"
	"testing"
)

var (
	traceRequest = NewSpan("trace_request")
	traceCall    = NewSpan("trace_call")
)

// traceIDsFor makes distinct ids for span number i; parent is zero for
// even i (the root of its trace).
func traceIDsFor(i int) TraceIDs {
	var ids TraceIDs
	for k := range ids.TraceID {
		ids.TraceID[k] = byte(i + k + 1)
	}
	for k := range ids.SpanID {
		ids.SpanID[k] = byte(0x80 + i + k)
		if i%2 == 1 {
			ids.ParentSpanID[k] = byte(0x40 + i + k)
		}
	}
	return ids
}

// TestAsyncSpanTrace: BeginAsyncTraced and FinishTraced record an
// AsyncSpanTraceEvent right before the span's begin event, in the same
// block even when the small cpu buffers rotate between spans; its
// members read back as the W3C hex of the ids; a zero trace id records
// no trace event.
func TestAsyncSpanTrace(t *testing.T) {
	c := newCollector(t)
	g := startTelemetry(t, Config{URL: c.url(), EnableCPUTracing: true, CPUBufferSize: minBufferSize})
	const n = 60 // about 8 KB of cpu events in 512-byte buffers
	want := map[uint64]TraceIDs{}
	var plain []uint64
	for i := range n {
		ids := traceIDsFor(i)
		switch i % 3 {
		case 0:
			a := traceRequest.BeginAsyncTraced(AsyncSpan{}, ids)
			want[a.ID()] = ids
			a.End()
		case 1:
			p := BeginPending(AsyncSpan{})
			want[p.ID()] = ids
			p.FinishTraced(traceCall, ids)
		case 2:
			a := traceRequest.BeginAsyncTraced(AsyncSpan{}, TraceIDs{SpanID: ids.SpanID})
			plain = append(plain, a.ID())
			a.End()
		}
	}
	_, ctxSpan := StartAsyncSpan(context.Background(), traceCall) // untraced API still works
	ctxSpan.End()
	shutdown(t, g)

	evs := c.events()
	got := map[uint64]bool{}
	for i, e := range evs {
		if e.obj.TypeName != "AsyncSpanTraceEvent" {
			continue
		}
		id := must[uint64](t)(e.obj.U64("span_id"))
		ids, ok := want[id]
		if !ok {
			t.Fatalf("trace event of span %d, which was recorded without one", id)
		}
		if got[id] {
			t.Fatalf("two trace events for span %d", id)
		}
		got[id] = true
		if i+1 >= len(evs) || evs[i+1].obj.TypeName != "BeginAsyncSpanEvent" || evs[i+1].block.BlockID != e.block.BlockID {
			t.Fatalf("the trace event of span %d is not followed by a begin event in its block", id)
		}
		if next := must[uint64](t)(evs[i+1].obj.U64("span_id")); next != id {
			t.Fatalf("the trace event of span %d is followed by the begin of span %d", id, next)
		}
		hex := func(member string) string {
			return fmt.Sprintf("%016x", must[uint64](t)(e.obj.U64(member)))
		}
		if tid := hex("trace_id_high") + hex("trace_id_low"); tid != fmt.Sprintf("%x", ids.TraceID) {
			t.Errorf("span %d: trace id %s, want %x", id, tid, ids.TraceID)
		}
		if s := hex("otel_span_id"); s != fmt.Sprintf("%x", ids.SpanID) {
			t.Errorf("span %d: otel span id %s, want %x", id, s, ids.SpanID)
		}
		if p := hex("otel_parent_span_id"); p != fmt.Sprintf("%x", ids.ParentSpanID) {
			t.Errorf("span %d: otel parent span id %s, want %x", id, p, ids.ParentSpanID)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d trace events, want %d", len(got), len(want))
	}
	blocks := map[string]bool{}
	for _, e := range byType(evs, "BeginAsyncSpanEvent") {
		blocks[string(e.block.BlockID)] = true
	}
	if len(blocks) < 4 {
		t.Errorf("the spans took %d blocks: the buffers did not rotate", len(blocks))
	}
	if len(byType(evs, "BeginAsyncSpanEvent", "EndAsyncSpanEvent")) != 2*(n+1) {
		t.Errorf("%d begin and end events, want %d", len(byType(evs, "BeginAsyncSpanEvent", "EndAsyncSpanEvent")), 2*(n+1))
	}
	for _, id := range plain {
		if got[id] {
			t.Errorf("span %d has a trace event; its trace id was zero", id)
		}
	}
}
