package telemetry

import (
	"testing"

	"github.com/micromegas-go/micromegas/internal/transit"
)

// TestLogBlockRoundTrip encodes log events as the library does and decodes
// them with the transit reader, as the server does.
func TestLogBlockRoundTrip(t *testing.T) {
	static := NewLogSite(LevelWarn, "round/trip", "a static message")
	formatted := NewLogSite(LevelDebug, "round/fmt", "value=%d")

	var full []*rawBlock
	s := newStream("6f1d2b4e-5a7c-4d3e-9f10-1a2b3c4d5e6f", []string{"log"}, logObjectUDTs, logDependencyUDTs, 1<<20,
		func(b *rawBlock) { full = append(full, b) })
	s.writeStatic(static.id, 1000)
	s.writeString(formatted.id, 2000, "value=7")
	s.writeString(formatted.id, 3000, "ünïcode ✓")
	s.writeStatic(static.id, 4000)
	b := s.take(false)
	if b == nil || len(full) != 0 {
		t.Fatalf("want one block from take, got %v and %d full", b, len(full))
	}
	if b.nbObjects != 4 || b.offset != 0 {
		t.Fatalf("block has %d objects at offset %d, want 4 at 0", b.nbObjects, b.offset)
	}

	const processID = "0b8d7e8c-1111-4222-8333-444455556666"
	body, err := encodeBlock(processID, 500, b)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := transit.DecodeBlock(body)
	if err != nil {
		t.Fatalf("decode block: %v", err)
	}
	if string(msg.ProcessID) != processID || string(msg.StreamID) != s.id || msg.NbObjects != 4 {
		t.Fatalf("block header: %+v", msg)
	}
	if msg.BeginTicks != b.begin.ticks-500 || msg.EndTicks != b.end.ticks-500 {
		t.Errorf("ticks not relative to process start: %d %d", msg.BeginTicks, msg.EndTicks)
	}
	// The metadata travels through CBOR as it does in insert_stream.
	objUDTs := roundTripUDTs(t, logObjectUDTs)
	depUDTs := roundTripUDTs(t, logDependencyUDTs)

	depBuf, err := transit.Decompress(msg.Payload.Dependencies)
	if err != nil {
		t.Fatal(err)
	}
	objBuf, err := transit.Decompress(msg.Payload.Objects)
	if err != nil {
		t.Fatal(err)
	}
	deps, err := transit.ParseDependencies(depBuf, depUDTs)
	if err != nil {
		t.Fatalf("parse dependencies: %v", err)
	}
	type row struct {
		typ, target, msg string
		level            uint32
		time             int64
	}
	var got []row
	err = transit.ParseObjects(objBuf, objUDTs, deps, func(o *transit.Object) error {
		desc, err := o.Obj("desc")
		if err != nil {
			return err
		}
		r := row{typ: o.TypeName}
		if r.target, err = desc.Str("target"); err != nil {
			return err
		}
		if r.level, err = desc.U32("level"); err != nil {
			return err
		}
		if r.time, err = o.I64("time"); err != nil {
			return err
		}
		if o.TypeName == "LogStaticStrEvent" {
			r.msg, err = desc.Str("fmt_str")
		} else {
			r.msg, err = o.Str("msg")
		}
		got = append(got, r)
		return err
	})
	if err != nil {
		t.Fatalf("parse objects: %v", err)
	}
	want := []row{
		{"LogStaticStrEvent", "round/trip", "a static message", 3, 1000},
		{"LogStringEventV2", "round/fmt", "value=7", 5, 2000},
		{"LogStringEventV2", "round/fmt", "ünïcode ✓", 5, 3000},
		{"LogStaticStrEvent", "round/trip", "a static message", 3, 4000},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func roundTripUDTs(t *testing.T, udts []transit.UserDefinedType) []transit.UserDefinedType {
	t.Helper()
	b, err := transit.EncodeUDTs(udts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := transit.DecodeUDTs(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStreamCutsFullBlocks checks that a stream hands over a block when its
// buffer fills, with running object offsets.
func TestStreamCutsFullBlocks(t *testing.T) {
	site := NewLogSite(LevelInfo, "cut", "x")
	var full []*rawBlock
	s := newStream("s", nil, logObjectUDTs, logDependencyUDTs, 4*maxObjectSize, func(b *rawBlock) { full = append(full, b) })
	const n = 100
	for i := range n {
		s.writeStatic(site.id, int64(i))
	}
	last := s.take(true)
	var total int64
	var offset int64
	for _, b := range append(full, last) {
		if b.offset != offset {
			t.Fatalf("block offset %d, want %d", b.offset, offset)
		}
		offset += int64(b.nbObjects)
		total += int64(b.nbObjects)
		if len(b.buf) > 4*maxObjectSize {
			t.Errorf("block of %d bytes exceeds the capacity", len(b.buf))
		}
	}
	if total != n || len(full) < 2 {
		t.Fatalf("%d events in %d full blocks, want %d events in several", total, len(full), n)
	}
	s.writeStatic(site.id, 0)
	if b := s.take(false); b != nil {
		t.Fatal("a closed stream accepted an event")
	}
}

func TestParseLevel(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Level
		ok   bool
	}{
		{"info", LevelInfo, true}, {"WARNING", LevelWarn, true}, {"warn", LevelWarn, true},
		{"trace", LevelTrace, true}, {"off", LevelOff, true}, {"loud", 0, false},
	} {
		got, err := ParseLevel(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestParseProperties(t *testing.T) {
	got := parseProperties("a=1, b = two ,bad,=x,c=")
	want := map[string]string{"a": "1", "b": "two", "c": ""}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
}
