package telemetry

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

type fmtStringer struct{ n int }

func (s fmtStringer) String() string { return fmt.Sprintf("S<%d>", s.n) }

type fmtPanicker struct{}

func (*fmtPanicker) String() string { panic("boom") }

type fmtFormatter struct{}

func (fmtFormatter) Format(f fmt.State, verb rune) { fmt.Fprintf(f, "F(%c)", verb) }

type fmtNamedInt int

// fmtCase is a format with arguments, and whether the plan formats it
// (no fmt).
type fmtCase struct {
	format string
	args   []any
	plan   bool
}

// fmtCases are the formats and arguments Logf is checked with.
func fmtCases() []fmtCase {
	var nilStringer *fmtPanicker
	return []fmtCase{
		{"value=%d", []any{7}, true},
		{"value=%d", []any{-123456789}, true},
		{"%d %d %d %d %d", []any{int8(-8), int16(16), int32(-32), int64(math.MinInt64), uint(7)}, true},
		{"%v %v %v %v", []any{uint8(255), uint16(65535), uint32(1 << 31), uint64(math.MaxUint64)}, true},
		{"%x %X %x %X", []any{255, 255, -255, uint64(0xdeadbeef)}, true},
		{"%d", []any{uintptr(42)}, true},
		{"%s and %v", []any{"text", "more"}, true},
		{"%q", []any{"quote \"me\"\n\x00é"}, true},
		{"%q", []any{"bad utf8 \xff"}, true},
		{"%x %X", []any{"hex", []byte{0xab, 0x01}}, true},
		{"%s", []any{[]byte("bytes")}, true},
		{"%t %v", []any{true, false}, true},
		{"%v %v %v %v %v", []any{1.5, 1e21, 1e-7, 100000.0, 123456789.0}, true},
		{"%v", []any{float32(0.1)}, true},
		{"%f %.2f %.0f %F", []any{3.14159, 2.675, 0.5, 1.0}, true},
		{"%e %.3e %g %.3g", []any{123456.789, 0.000123, 1e-5, 2.0 / 3}, true},
		{"100%% done in %d ms", []any{12}, true},
		{"no verbs", nil, true},
		{"", nil, true},
		{"err: %v", []any{errors.New("broken pipe")}, true},
		{"err: %s %q", []any{errors.New("e1"), errors.New("e2")}, true},
		{"stringer %v %s %x", []any{fmtStringer{1}, fmtStringer{2}, fmtStringer{3}}, true},
		{"unicode é %d ü", []any{1}, true},
		// The fallback to fmt:
		{"%+d", []any{5}, false},
		{"%5d|%-5s|%05d", []any{5, "ab", 42}, false},
		{"%#x", []any{255}, false},
		{"%[1]d %[1]d", []any{9}, false},
		{"%s", []any{5}, false},
		{"%d", []any{"five"}, false},
		{"%d", []any{true}, false},
		{"%x", []any{1.5}, false},
		{"%v", []any{math.Inf(1)}, false},
		{"%f", []any{math.NaN()}, false},
		{"%d", []any{fmtNamedInt(3)}, false},
		{"%v", []any{[]int{1, 2}}, false},
		{"%v", []any{map[string]int{"a": 1}}, false},
		{"%v", []any{struct{ A int }{1}}, false},
		{"%v", []any{[]byte("b")}, false},
		{"%q", []any{[]byte("b")}, false},
		{"%v", []any{nil}, false},
		{"%c", []any{'x'}, false},
		{"%d %d", []any{1}, false},
		{"%d", []any{1, 2}, false},
		{"%v", []any{fmtFormatter{}}, false},
		{"%s", []any{nilStringer}, false},
		{"%s", []any{&fmtPanicker{}}, false},
		{"trailing %", nil, false},
		{"%.2d", []any{3}, false},
	}
}

// TestLogfFormatsAsFmt checks the text of Logf against fmt.Sprintf for a
// table of formats and arguments, and which of them take the plan (no
// fmt) rather than the fallback.
func TestLogfFormatsAsFmt(t *testing.T) {
	for _, c := range fmtCases() {
		t.Run(c.format, func(t *testing.T) {
			want := fmt.Sprintf(c.format, c.args...)
			s := &LogSite{format: c.format}
			s.plan, s.planOK = parseFormat(c.format)
			if got := string(s.appendMessage([]byte("prefix:"), c.args)); got != "prefix:"+want {
				t.Errorf("Logf(%q, %#v) = %q, want %q", c.format, c.args, got, "prefix:"+want)
			}
			_, ok := appendPlan(nil, s.plan, c.args)
			if ok = ok && s.planOK; ok != c.plan {
				t.Errorf("Logf(%q, %#v): formatted by the plan %v, want %v", c.format, c.args, ok, c.plan)
			}
		})
	}
}

// TestLogfLongMessage checks a message longer than the stack buffer.
func TestLogfLongMessage(t *testing.T) {
	s := &LogSite{format: "%s|%d"}
	s.plan, s.planOK = parseFormat(s.format)
	long := string(make([]byte, 3*fmtStackSize))
	var stack [fmtStackSize]byte
	if got, want := string(s.appendMessage(stack[:0], []any{long, 5})), fmt.Sprintf(s.format, long, 5); got != want {
		t.Errorf("long message: got %d bytes, want %d", len(got), len(want))
	}
}
