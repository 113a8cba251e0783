package traceparent

import (
	"context"
	"testing"
)

func TestParse(t *testing.T) {
	const good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	for _, c := range []struct {
		in string
		ok bool
	}{
		{good, true},
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", true},
		{"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future", true}, // a later version may add fields
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", false},     // version 00 has exactly 55 characters
		{"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
		{"00-00000000000000000000000000000000-00f067aa0ba902b7-01", false}, // zero trace id
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false}, // zero span id
		{"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false}, // uppercase
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", false},
		{"", false},
		{"00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
	} {
		tc, ok := Parse(c.in)
		if ok != c.ok {
			t.Errorf("Parse(%q) ok = %v, want %v", c.in, ok, c.ok)
			continue
		}
		if ok && c.in == good && tc.String() != good {
			t.Errorf("round trip %q -> %q", good, tc.String())
		}
	}
}

func TestChildKeepsTrace(t *testing.T) {
	tc := New()
	if !tc.Valid() || tc.Flags != 1 {
		t.Fatalf("New() = %+v", tc)
	}
	ch := tc.Child()
	if ch.TraceID != tc.TraceID || ch.SpanID == tc.SpanID || !ch.Valid() {
		t.Errorf("child %+v of %+v", ch, tc)
	}
	if back, ok := Parse(ch.String()); !ok || back != ch {
		t.Errorf("round trip of %+v: %+v %v", ch, back, ok)
	}
	ctx := NewContext(context.Background(), ch)
	if got, ok := FromContext(ctx); !ok || got != ch {
		t.Errorf("FromContext = %+v %v", got, ok)
	}
	if got := (TraceContext{}).Child(); !got.Valid() {
		t.Error("the child of no trace starts a new trace")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	f.Add("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra")
	f.Fuzz(func(t *testing.T, s string) {
		tc, ok := Parse(s)
		if !ok {
			return
		}
		if !tc.Valid() {
			t.Fatalf("Parse(%q) accepted invalid ids", s)
		}
		back, ok := Parse(tc.String())
		if !ok || back != tc {
			t.Fatalf("round trip of %q: %+v %v", s, back, ok)
		}
	})
}
