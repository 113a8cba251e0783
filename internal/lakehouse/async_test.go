package lakehouse

import (
	"strings"
	"testing"

	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// asyncSeed is a cpu block with async spans, a thread span and trace
// events, as transit buffers: the dependencies, parsed, and the objects.
func asyncSeed(t testing.TB) (transit.Dependencies, []byte) {
	t.Helper()
	req, db := site("request", 10), site("db", 11)
	trace := [16]byte{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	x := lakehousetest.NewBlock()
	x.AsyncTrace(1, trace, [8]byte{0xaa, 1}, [8]byte{0xbb, 2})
	x.BeginAsync(req, 1, 0, 0, 10)
	x.BeginSpan(db, 11)
	x.EndSpan(db, 12)
	x.BeginAsync(db, 2, 1, 1, 15)
	x.AsyncTrace(2, trace, [8]byte{0xcc}, [8]byte{})
	x.AsyncStatus(2, 200, 7, -1)
	x.EndAsync(db, 2, 1, 1, 25)
	x.EndAsync(req, 1, 0, 0, 30)
	body, err := x.Payload()
	if err != nil {
		t.Fatal(err)
	}
	p, err := transit.DecodePayload(body)
	if err != nil {
		t.Fatal(err)
	}
	depBuf, err := transit.Decompress(p.Dependencies)
	if err != nil {
		t.Fatal(err)
	}
	objBuf, err := transit.Decompress(p.Objects)
	if err != nil {
		t.Fatal(err)
	}
	deps, err := transit.ParseDependencies(depBuf, lakehousetest.DepUDTs())
	if err != nil {
		t.Fatal(err)
	}
	return deps, objBuf
}

// withTraceType returns the cpu object types of lakehousetest with the
// members of AsyncSpanTraceEvent replaced.
func withTraceType(members []transit.Member) []transit.UserDefinedType {
	return withMembers(transit.AsyncSpanTraceTypeName, members)
}

// withMembers returns the cpu object types of lakehousetest with the
// members of type name replaced.
func withMembers(name string, members []transit.Member) []transit.UserDefinedType {
	udts := lakehousetest.ThreadUDTs()
	for i := range udts {
		if udts[i].Name == name {
			udts[i].Members = members
		}
	}
	return udts
}

// TestAsyncBlockBadStatus: a status event the decoder cannot read leaves
// the status out and says why; the span events and trace ids of the
// block are all kept.
func TestAsyncBlockBadStatus(t *testing.T) {
	i64 := func(name string, off int) transit.Member {
		return transit.Member{Name: name, TypeName: "i64", Offset: off, Size: 8}
	}
	good := []transit.Member{i64("response_bytes", 0), i64("request_bytes", 8), i64("status", 16),
		{Name: "span_id", TypeName: "u64", Offset: 24, Size: 8}}
	deps, objBuf := asyncSeed(t)
	for _, c := range []struct {
		name    string
		members []transit.Member
		wantErr string // "": the status is read
	}{
		{"as declared", good, ""},
		{"a member missing", good[1:], `has no member "response_bytes"`},
		{"a float status", []transit.Member{good[0], good[1], {Name: "status", TypeName: "f64", Offset: 16, Size: 8}, good[3]},
			`member "status" of AsyncSpanStatusEvent is f64`},
	} {
		t.Run(c.name, func(t *testing.T) {
			ab := newAsyncBlock()
			if err := transit.ScanObjects(objBuf, withMembers(transit.AsyncSpanStatusTypeName, c.members), deps, ab.add); err != nil {
				t.Fatal(err)
			}
			if len(ab.events) != 4 || len(ab.traces) != 2 {
				t.Errorf("%d async events and %d traces, want 4 and 2", len(ab.events), len(ab.traces))
			}
			if c.wantErr == "" {
				want := asyncStatus{status: 200, requestBytes: 7, responseBytes: -1}
				if ab.badStatus != nil || len(ab.statuses) != 1 || ab.statuses[2] != want {
					t.Errorf("statuses %v (error %v), want span 2: %v", ab.statuses, ab.badStatus, want)
				}
				return
			}
			if len(ab.statuses) != 0 || ab.badStatus == nil || !strings.Contains(ab.badStatus.Error(), c.wantErr) {
				t.Errorf("statuses %v, error %v; want none and an error saying %q", ab.statuses, ab.badStatus, c.wantErr)
			}
		})
	}
}

// TestAsyncBlockBadTrace: a trace event the decoder cannot read (a client
// declaring other members) leaves the trace ids out and says why; the
// span events of the block are all kept.
func TestAsyncBlockBadTrace(t *testing.T) {
	u64 := func(name string, off int) transit.Member {
		return transit.Member{Name: name, TypeName: "u64", Offset: off, Size: 8}
	}
	good := []transit.Member{u64("otel_parent_span_id", 0), u64("otel_span_id", 8), u64("trace_id_high", 16), u64("trace_id_low", 24), u64("span_id", 32)}
	deps, objBuf := asyncSeed(t)
	for _, c := range []struct {
		name    string
		members []transit.Member
		wantErr string // "" : the traces are read
	}{
		{"as declared", good, ""},
		{"a member missing", good[:4], `has no member "span_id"`},
		{"a float id", []transit.Member{good[0], good[1], {Name: "trace_id_high", TypeName: "f64", Offset: 16, Size: 8}, good[3], good[4]},
			`member "trace_id_high" of AsyncSpanTraceEvent is f64`},
	} {
		t.Run(c.name, func(t *testing.T) {
			ab := newAsyncBlock()
			if err := transit.ScanObjects(objBuf, withTraceType(c.members), deps, ab.add); err != nil {
				t.Fatal(err)
			}
			if len(ab.events) != 4 {
				t.Errorf("%d async events, want 4", len(ab.events))
			}
			if c.wantErr == "" {
				want := map[int64]asyncTrace{
					1: {"4bf92f3577b34da6a3ce929d0e0e4736", "aa01000000000000", "bb02000000000000"},
					2: {"4bf92f3577b34da6a3ce929d0e0e4736", "cc00000000000000", ""},
				}
				if ab.badTrace != nil || len(ab.traces) != 2 || ab.traces[1] != want[1] || ab.traces[2] != want[2] {
					t.Errorf("traces %v (error %v), want %v", ab.traces, ab.badTrace, want)
				}
				return
			}
			if len(ab.traces) != 0 || ab.badTrace == nil || !strings.Contains(ab.badTrace.Error(), c.wantErr) {
				t.Errorf("traces %v, error %v; want none and an error saying %q", ab.traces, ab.badTrace, c.wantErr)
			}
		})
	}
}

// FuzzAsyncBlock feeds the async_events decoder (asyncBlock.add, as
// appendAsyncBlock calls it) with object buffers and cpu type metadata
// from the network: it never panics, and what it keeps is well formed.
func FuzzAsyncBlock(f *testing.F) {
	deps, objBuf := asyncSeed(f)
	meta, err := transit.EncodeUDTs(lakehousetest.ThreadUDTs())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(meta, objBuf)
	f.Add(meta, objBuf[:60])
	f.Add(meta, []byte{})
	f.Fuzz(func(t *testing.T, meta, objBuf []byte) {
		udts, err := transit.DecodeUDTs(meta)
		if err != nil {
			return
		}
		ab := newAsyncBlock()
		objects := 0
		err = transit.ScanObjects(objBuf, udts, deps, func(o *transit.Object) error {
			objects++
			return ab.add(o)
		})
		if err != nil {
			return
		}
		if len(ab.events)+len(ab.traces)+len(ab.statuses) > objects {
			t.Fatalf("%d events, %d traces and %d statuses from %d objects", len(ab.events), len(ab.traces), len(ab.statuses), objects)
		}
		for id, tr := range ab.traces {
			if len(tr.traceID) != 32 || (tr.spanID != "" && len(tr.spanID) != 16) || (tr.parentSpanID != "" && len(tr.parentSpanID) != 16) {
				t.Fatalf("span %d: trace ids %+v", id, tr)
			}
		}
	})
}
