package telemetry

import "testing"

// TestAsyncSpanStatus: EndStatus and FinishStatus record an
// AsyncSpanStatusEvent right before the span's end event, in the same
// block even when the small cpu buffers rotate between spans, whose
// members read back as recorded; FinishStatus with a zero trace id
// records no trace event, and spans ended without a status record none.
func TestAsyncSpanStatus(t *testing.T) {
	c := newCollector(t)
	g := startTelemetry(t, Config{URL: c.url(), EnableCPUTracing: true, CPUBufferSize: minBufferSize})
	const n = 60
	want := map[uint64]SpanStatus{}
	traced := map[uint64]bool{}
	var plain []uint64
	for i := range n {
		st := SpanStatus{Code: int64(200 + i), RequestBytes: int64(i) - 1, ResponseBytes: int64(1000 * i)}
		switch i % 4 {
		case 0:
			a := traceRequest.BeginAsync(AsyncSpan{})
			want[a.ID()] = st
			a.EndStatus(st)
		case 1:
			p := BeginPending(AsyncSpan{})
			want[p.ID()] = st
			traced[p.ID()] = true
			p.FinishStatus(traceCall, traceIDsFor(i), st)
		case 2:
			p := BeginPending(AsyncSpan{})
			want[p.ID()] = st
			p.FinishStatus(traceCall, TraceIDs{}, st)
		case 3:
			a := traceRequest.BeginAsync(AsyncSpan{})
			plain = append(plain, a.ID())
			a.End()
		}
	}
	shutdown(t, g)

	evs := c.events()
	got := map[uint64]bool{}
	for i, e := range evs {
		switch e.obj.TypeName {
		case "AsyncSpanTraceEvent":
			if id := must[uint64](t)(e.obj.U64("span_id")); !traced[id] {
				t.Errorf("span %d has a trace event; its trace id was zero", id)
			}
			continue
		case "AsyncSpanStatusEvent":
		default:
			continue
		}
		id := must[uint64](t)(e.obj.U64("span_id"))
		st, ok := want[id]
		if !ok {
			t.Fatalf("status event of span %d, which was ended without one", id)
		}
		if got[id] {
			t.Fatalf("two status events for span %d", id)
		}
		got[id] = true
		if i+1 >= len(evs) || evs[i+1].obj.TypeName != "EndAsyncSpanEvent" || evs[i+1].block.BlockID != e.block.BlockID {
			t.Fatalf("the status event of span %d is not followed by an end event in its block", id)
		}
		if next := must[uint64](t)(evs[i+1].obj.U64("span_id")); next != id {
			t.Fatalf("the status event of span %d is followed by the end of span %d", id, next)
		}
		rec := SpanStatus{
			Code:          must[int64](t)(e.obj.I64("status")),
			RequestBytes:  must[int64](t)(e.obj.I64("request_bytes")),
			ResponseBytes: must[int64](t)(e.obj.I64("response_bytes")),
		}
		if rec != st {
			t.Errorf("span %d: status %+v, want %+v", id, rec, st)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d status events, want %d", len(got), len(want))
	}
	for _, id := range plain {
		if got[id] {
			t.Errorf("span %d has a status event; it was ended with End", id)
		}
	}
	if ends := len(byType(evs, "EndAsyncSpanEvent")); ends != n {
		t.Errorf("%d end events, want %d", ends, n)
	}
}
