package lakehouse

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

func site(name string, line uint32) *lakehousetest.SpanSite {
	return &lakehousetest.SpanSite{Name: name, Target: "t::" + name, Module: "m", File: name + ".rs", Line: line}
}

// TestThreadSpans checks the call-tree reconstruction against a tree
// computed by hand: a span open across two contiguous blocks, an
// unclosed span closed at the range end, a gap starting a new tree, and
// an end without a begin adopting the spans closed before it.
func TestThreadSpans(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	// 1000 ticks per second: one tick is one millisecond.
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", t0, 0, 1000, nil))
	s := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, p, lakehousetest.KindCPU, map[string]string{"thread-name": "main", "thread-id": "7"}))
	a, b, c, d, e, f, g := site("a", 1), site("b", 2), site("c", 3), site("d", 4), site("e", 5), site("f", 6), site("g", 7)

	b1 := lakehousetest.NewBlock() // ticks [0, 100], objects 0..3
	b1.BeginSpan(a, 10)
	b1.BeginSpan(b, 20)
	b1.EndSpan(b, 30)
	b1.BeginNamedSpan(c, "c", 40)
	b2 := lakehousetest.NewBlock() // [100, 200], contiguous, objects 4..6
	b2.EndNamedSpan(c, "c", 150)
	b2.EndSpan(a, 160)
	b2.BeginSpan(d, 170)           // never closed
	b3 := lakehousetest.NewBlock() // [300, 400], after a gap, objects 7..11
	b3.BeginSpan(g, 310)
	b3.EndSpan(g, 315)
	b3.EndSpan(e, 320) // began before the block
	b3.BeginSpan(f, 330)
	b3.EndSpan(f, 340)
	for _, x := range []struct {
		blk        *lakehousetest.Block
		begin, end int64
	}{{b1, 0, 100}, {b2, 100, 200}, {b3, 300, 400}} {
		if _, err := tl.w.WriteBlock(ctx, s, x.blk, x.begin, x.end, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	msT := func(n int) string { return ts(time.Duration(n) * time.Millisecond) }
	got := tl.rows(t, `SELECT id, parent, depth, "begin", "end", duration, name, target, filename, line
		FROM view_instance('thread_spans', '`+s.StreamID+`') ORDER BY "begin", depth, id`, QueryOptions{})
	wantRows(t, got,
		"-1 | 0 | 0 | "+msT(0)+" | "+msT(200)+" | 200000000 | main |  |  | 0",
		"0 | -1 | 1 | "+msT(10)+" | "+msT(160)+" | 150000000 | a | t::a | a.rs | 1",
		"1 | 0 | 2 | "+msT(20)+" | "+msT(30)+" | 10000000 | b | t::b | b.rs | 2",
		"3 | 0 | 2 | "+msT(40)+" | "+msT(150)+" | 110000000 | c | t::c | c.rs | 3",
		"6 | -1 | 1 | "+msT(170)+" | "+msT(200)+" | 30000000 | d | t::d | d.rs | 4",
		"-1 | 0 | 0 | "+msT(300)+" | "+msT(400)+" | 100000000 | main |  |  | 0",
		"9 | -1 | 1 | "+msT(300)+" | "+msT(320)+" | 20000000 | e | t::e | e.rs | 5",
		"7 | 9 | 2 | "+msT(310)+" | "+msT(315)+" | 5000000 | g | t::g | g.rs | 7",
		"10 | -1 | 1 | "+msT(330)+" | "+msT(340)+" | 10000000 | f | t::f | f.rs | 6",
	)
	// The hash column chains xxh32 over name, filename, target and line.
	got = tl.rows(t, `SELECT hash FROM view_instance('thread_spans', '`+s.StreamID+`') WHERE name = 'a'`, QueryOptions{})
	wantRows(t, got, sprintf("%d", spanHash(spanSite{name: "a", target: "t::a", filename: "a.rs", line: 1})))
	// A time range selects the spans meeting it.
	got = tl.rows(t, `SELECT name FROM view_instance('thread_spans', '`+s.StreamID+`') ORDER BY "begin", depth`,
		QueryOptions{Begin: t0.Add(305 * time.Millisecond), End: t0.Add(312 * time.Millisecond)})
	wantRows(t, got, "main", "e", "g")
}

func TestAsyncEvents(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", t0, 0, 1000, nil))
	s1 := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, p, lakehousetest.KindCPU, nil))
	s2 := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, p, lakehousetest.KindCPU, nil))
	req, db, cache := site("request", 10), site("db", 11), site("cache", 12)
	trace := [16]byte{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	x := lakehousetest.NewBlock()
	// The trace ids of span 1 (with a caller), before its begin event.
	x.AsyncTrace(1, trace, [8]byte{0xaa, 1, 2, 3, 4, 5, 6, 7}, [8]byte{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7})
	x.BeginAsync(req, 1, 0, 0, 10)
	x.BeginSpan(db, 11) // a thread span: not an async event
	x.EndSpan(db, 12)
	x.BeginAsync(db, 2, 1, 1, 15)
	x.AsyncTrace(2, trace, [8]byte{0xbb}, [8]byte{})      // after its begin; no parent
	x.AsyncTrace(3, [16]byte{}, [8]byte{0xcc}, [8]byte{}) // no trace id: no trace
	x.BeginAsync(cache, 3, 1, 1, 16)
	y := lakehousetest.NewBlock()                    // polled on another thread
	y.AsyncTrace(1, trace, [8]byte{0xdd}, [8]byte{}) // on end rows: ignored
	y.AsyncStatus(2, 0, 4, 2)                        // status and sizes of span 2, before its end
	y.EndAsync(db, 2, 1, 1, 25)
	y.EndAsync(cache, 3, 1, 1, 26) // no status
	y.AsyncStatus(1, 503, -1, 19)  // request size unknown
	y.EndAsync(req, 1, 0, 0, 30)
	x.AsyncStatus(3, 404, 1, 1) // in the block of span 3's begin, not of its end: ignored
	check(t, func() error { _, err := tl.w.WriteBlock(ctx, s1, x, 0, 20, time.Time{}); return err }())
	check(t, func() error { _, err := tl.w.WriteBlock(ctx, s2, y, 20, 40, time.Time{}); return err }())
	got := tl.rows(t, `SELECT stream_id = '`+s1.StreamID+`', time, event_type, span_id, parent_span_id, depth, name, filename, target, line,
		coalesce(trace_id, 'null'), coalesce(otel_span_id, 'null'), coalesce(otel_parent_span_id, 'null'),
		coalesce(status::VARCHAR, 'null'), coalesce(request_bytes::VARCHAR, 'null'), coalesce(response_bytes::VARCHAR, 'null')
		FROM view_instance('async_events', '`+p.ProcessID+`') ORDER BY time`, QueryOptions{})
	msT := func(n int) string { return ts(time.Duration(n) * time.Millisecond) }
	wantRows(t, got,
		"true | "+msT(10)+" | begin | 1 | 0 | 0 | request | request.rs | t::request | 10 | 4bf92f3577b34da6a3ce929d0e0e4736 | aa01020304050607 | 00f067aa0ba902b7 | null | null | null",
		"true | "+msT(15)+" | begin | 2 | 1 | 1 | db | db.rs | t::db | 11 | 4bf92f3577b34da6a3ce929d0e0e4736 | bb00000000000000 | null | null | null | null",
		"true | "+msT(16)+" | begin | 3 | 1 | 1 | cache | cache.rs | t::cache | 12 | null | null | null | null | null | null",
		"false | "+msT(25)+" | end | 2 | 1 | 1 | db | db.rs | t::db | 11 | null | null | null | 0 | 4 | 2",
		"false | "+msT(26)+" | end | 3 | 1 | 1 | cache | cache.rs | t::cache | 12 | null | null | null | null | null | null",
		"false | "+msT(30)+" | end | 1 | 0 | 0 | request | request.rs | t::request | 10 | null | null | null | 503 | null | 19",
	)
	// The status of a request by trace id, as docs/sql.md shows it.
	got = tl.rows(t, `WITH ev AS (SELECT * FROM view_instance('async_events', '`+p.ProcessID+`'))
		SELECT b.name, e.status, e.response_bytes FROM ev b JOIN ev e ON b.span_id = e.span_id
		WHERE b.trace_id = '4bf92f3577b34da6a3ce929d0e0e4736' AND b.event_type = 'begin' AND e.event_type = 'end' AND e.status >= 500`, QueryOptions{})
	wantRows(t, got, "request | 503 | 19")
	// The span of a trace, with its duration, as docs/sql.md shows it.
	got = tl.rows(t, `WITH ev AS (SELECT * FROM view_instance('async_events', '`+p.ProcessID+`'))
		SELECT b.name, b.otel_span_id, epoch_ms(e.time) - epoch_ms(b.time) FROM ev b JOIN ev e ON b.span_id = e.span_id
		WHERE b.trace_id = '4bf92f3577b34da6a3ce929d0e0e4736' AND e.event_type = 'end' ORDER BY b.span_id`, QueryOptions{})
	wantRows(t, got, "request | aa01020304050607 | 20", "db | bb00000000000000 | 10")
	// The thread span among them is unaffected by the trace events.
	got = tl.rows(t, `SELECT name, duration FROM view_instance('thread_spans', '`+s1.StreamID+`') WHERE depth = 1`, QueryOptions{})
	wantRows(t, got, "db | 1000000")
	// Durations through the begin/end self-join of the docs.
	got = tl.rows(t, `WITH ev AS (SELECT * FROM view_instance('async_events', '`+p.ProcessID+`'))
		SELECT b.name, epoch_ms(e.time) - epoch_ms(b.time) FROM ev b JOIN ev e ON b.span_id = e.span_id
		WHERE b.event_type = 'begin' AND e.event_type = 'end' ORDER BY b.span_id`, QueryOptions{})
	wantRows(t, got, "request | 20", "db | 10", "cache | 10")
}

func TestXXH32(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint32
	}{
		{"", 0x02CC5D05},
		{"a", 0x550D7456},
		{"abc", 0x32D153FF},
		{"Nobody inspects the spammish repetition", 0xE2293B2F},
	} {
		if got := xxh32([]byte(c.in), 0); got != c.want {
			t.Errorf("xxh32(%q) = %#x, want %#x", c.in, got, c.want)
		}
	}
}

// TestThreadSpansSkipsUnreadableBlock checks that a block that cannot be
// decoded ends the call tree before it and starts a new one after it,
// with the blocks decoded in parallel.
func TestThreadSpansSkipsUnreadableBlock(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", t0, 0, 1000, nil))
	s := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, p, lakehousetest.KindCPU, map[string]string{"thread-name": "main"}))
	a, b, c := site("a", 1), site("b", 2), site("c", 3)
	var written []catalog.Block
	for i, st := range []*lakehousetest.SpanSite{a, b, c} {
		blk := lakehousetest.NewBlock()
		begin := int64(i * 100)
		blk.BeginSpan(st, begin+10)
		blk.EndSpan(st, begin+20)
		written = append(written, must[catalog.Block](t)(tl.w.WriteBlock(ctx, s, blk, begin, begin+100, time.Time{})))
	}
	bad := written[1]
	path := filepath.Join(tl.dir, "objects", filepath.FromSlash(blobstore.BlockKey(bad.ProcessID, bad.StreamID, bad.BlockID)))
	check(t, os.WriteFile(path, []byte("not a block"), 0o644))
	msT := func(n int) string { return ts(time.Duration(n) * time.Millisecond) }
	got := tl.rows(t, `SELECT name, "begin", "end" FROM view_instance('thread_spans', '`+s.StreamID+`') ORDER BY "begin", depth`, QueryOptions{})
	wantRows(t, got,
		"main | "+msT(0)+" | "+msT(100),
		"a | "+msT(10)+" | "+msT(20),
		"main | "+msT(200)+" | "+msT(300),
		"c | "+msT(210)+" | "+msT(220),
	)
}
