package lakehouse

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// appendAsyncBlock appends the async span events of one thread block
// (view async_events, spec 5.2); on error nothing of the block is
// appended. A begin event whose span has an AsyncSpanTraceEvent in the
// block gets its OpenTelemetry ids (trace_id, otel_span_id,
// otel_parent_span_id), an end event whose span has an
// AsyncSpanStatusEvent in the block its status, request_bytes and
// response_bytes; an unreadable trace or status event is logged and
// leaves them null, losing nothing else.
func (l *Lakehouse) appendAsyncBlock(ctx context.Context, s *sink, b catalog.Block, m *streamMeta) error {
	ab := newAsyncBlock()
	if err := l.parseBlock(ctx, b, m, ab.add); err != nil {
		return err
	}
	if ab.badTrace != nil {
		l.log.Warn("async_events: a trace event cannot be read; its span's trace ids are left null",
			"block_id", b.BlockID, "err", ab.badTrace)
	}
	if ab.badStatus != nil {
		l.log.Warn("async_events: a status event cannot be read; its span's status and sizes are left null",
			"block_id", b.BlockID, "err", ab.badStatus)
	}
	c := s.c
	for _, e := range ab.events {
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
		tr, traced := ab.traces[e.spanID]
		traced = traced && e.begin
		for i, v := range []string{tr.traceID, tr.spanID, tr.parentSpanID} {
			if traced && v != "" {
				c.str(11+i, v)
			} else {
				c.null(11 + i)
			}
		}
		st, hasStatus := ab.statuses[e.spanID]
		hasStatus = hasStatus && !e.begin
		if hasStatus {
			c.i64(14, st.status)
		} else {
			c.null(14)
		}
		for i, v := range []int64{st.requestBytes, st.responseBytes} {
			if hasStatus && v >= 0 {
				c.i64(15+i, v)
			} else {
				c.null(15 + i)
			}
		}
		s.noteRow(t, t)
	}
	return nil
}

// asyncBlock collects the async span events of one block and the trace
// ids and statuses recorded for their spans.
type asyncBlock struct {
	cache     siteCache
	events    []spanEvent
	traces    map[int64]asyncTrace  // by span id
	statuses  map[int64]asyncStatus // by span id
	badTrace  error                 // the first trace event that could not be read
	badStatus error                 // the first status event that could not be read
}

func newAsyncBlock() *asyncBlock {
	return &asyncBlock{cache: siteCache{}, traces: map[int64]asyncTrace{}, statuses: map[int64]asyncStatus{}}
}

// add takes one object of the block.
func (ab *asyncBlock) add(obj *transit.Object) error {
	if obj.TypeName == transit.AsyncSpanTraceTypeName {
		id, tr, err := readAsyncTrace(obj)
		switch {
		case err != nil:
			if ab.badTrace == nil {
				ab.badTrace = err
			}
		case tr.traceID != "":
			ab.traces[id] = tr
		}
		return nil
	}
	if obj.TypeName == transit.AsyncSpanStatusTypeName {
		id, st, err := readAsyncStatus(obj)
		if err != nil {
			if ab.badStatus == nil {
				ab.badStatus = err
			}
			return nil
		}
		ab.statuses[id] = st
		return nil
	}
	e, ok, err := spanEventCached(obj, ab.cache)
	if err != nil {
		return fmt.Errorf("%s: %w", obj.TypeName, err)
	}
	if ok && e.async {
		ab.events = append(ab.events, e)
	}
	return nil
}

// asyncTrace is the OpenTelemetry identity of an async span as lowercase
// hex, the text of traceparent headers and of the otel_spans view; ""
// for a zero id.
type asyncTrace struct {
	traceID, spanID, parentSpanID string
}

// readAsyncTrace reads an AsyncSpanTraceEvent (transit.AsyncSpanTraceTypeName).
func readAsyncTrace(obj *transit.Object) (spanID int64, tr asyncTrace, err error) {
	var v [5]uint64
	for i, name := range []string{"span_id", "trace_id_high", "trace_id_low", "otel_span_id", "otel_parent_span_id"} {
		if v[i], err = obj.U64(name); err != nil {
			return 0, tr, fmt.Errorf("%s: %w", obj.TypeName, err)
		}
	}
	tr = asyncTrace{traceID: idHex(v[1], v[2]), spanID: idHex(v[3]), parentSpanID: idHex(v[4])}
	return int64(v[0]), tr, nil
}

// asyncStatus is the outcome of an async span's operation: its status
// code and the sizes of its request and response (-1: unknown).
type asyncStatus struct {
	status, requestBytes, responseBytes int64
}

// readAsyncStatus reads an AsyncSpanStatusEvent (transit.AsyncSpanStatusTypeName).
func readAsyncStatus(obj *transit.Object) (spanID int64, st asyncStatus, err error) {
	id, err := obj.U64("span_id")
	if err != nil {
		return 0, st, fmt.Errorf("%s: %w", obj.TypeName, err)
	}
	for _, m := range []struct {
		name string
		v    *int64
	}{{"status", &st.status}, {"request_bytes", &st.requestBytes}, {"response_bytes", &st.responseBytes}} {
		if *m.v, err = obj.I64(m.name); err != nil {
			return 0, st, fmt.Errorf("%s: %w", obj.TypeName, err)
		}
	}
	return int64(id), st, nil
}

// idHex returns the hex of the big-endian bytes of parts, "" when all are
// zero (W3C: an all-zero id is no id).
func idHex(parts ...uint64) string {
	var raw [16]byte
	zero := true
	for i, p := range parts {
		binary.BigEndian.PutUint64(raw[8*i:], p)
		zero = zero && p == 0
	}
	if zero {
		return ""
	}
	return hex.EncodeToString(raw[:8*len(parts)])
}
