package telemetry

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/micromegas-go/micromegas/internal/transit"
)

// deferredCases add to fmtCases the arguments that matter to deferred
// formatting, with whether the call defers.
func deferredCases() []struct {
	fmtCase
	deferred bool
} {
	type c = struct {
		fmtCase
		deferred bool
	}
	return []c{
		{fmtCase{"%s|%q|%x", []any{"héllo wörld ✓ 日本語", "日本\u2028\x01\U000E0001", "é"}, true}, true},
		{fmtCase{"%s", []any{""}, true}, true},
		{fmtCase{"%q", []any{strings.Repeat("\x01", 100)}, true}, true},
		{fmtCase{"%s", []any{strings.Repeat("é", 300)}, true}, false}, // over the cap: formatted at the call
		{fmtCase{"%q", []any{strings.Repeat("a", 200)}, true}, false},
		{fmtCase{"%d %x %X %v %d", []any{-1, int8(-128), int64(math.MinInt64), int32(-7), int16(-300)}, true}, true},
		{fmtCase{"%d %v %x %X", []any{uint8(200), uint16(9), uint32(0xdead), uintptr(0xbeef)}, true}, true},
		{fmtCase{"%.3f|%.0f|%.10e|%.1g|%F", []any{-2.5e300, 0.5, -1e-300, 123.0, float32(1.1)}, true}, true},
		{fmtCase{"%f %e %g %v", []any{math.MaxFloat64, -math.SmallestNonzeroFloat64, 1e-5, math.Copysign(0, -1)}, true}, true},
		{fmtCase{"%v %v %.2f", []any{float32(16777216.0), float32(-0.1), float32(2.675)}, true}, true},
		{fmtCase{"%t|%v", []any{true, false}, true}, true},
		{fmtCase{"value=%d|%d|%d|%v", []any{int64(math.MaxInt64), int64(-1000000000000), int64(9999999999), int64(10000000000)}, true}, true},
		{fmtCase{"value=%x|%X|%v|%d|%d", []any{uint64(math.MaxUint64), -1, 99, 0, -9}, true}, true},
		{fmtCase{"%d%d%d%d%d%d%d%d", []any{1, 2, 3, 4, 5, 6, 7, 8}, true}, true},
		{fmtCase{"%d%d%d%d%d%d%d%d%d", []any{1, 2, 3, 4, 5, 6, 7, 8, 9}, true}, false}, // too many arguments
		{fmtCase{"%v", []any{math.Inf(-1)}, false}, false},
		{fmtCase{"%s", []any{errors.New("e")}, true}, false},
		{fmtCase{"%v", []any{fmtStringer{4}}, true}, false},
		{fmtCase{"%s", []any{[]byte("b")}, true}, false},
		{fmtCase{"%d", []any{"x"}, false}, false},
		{fmtCase{"%d %d", []any{1}, false}, false},
		// One argument (logDeferred1): ints of every sign and verb, and ints
		// under a verb that does not take them.
		{fmtCase{"%x", []any{-255}, true}, true},
		{fmtCase{"n=%d.", []any{math.MinInt}, true}, true},
		{fmtCase{"%v", []any{0}, true}, true},
		{fmtCase{"%X", []any{math.MaxInt}, true}, true},
		{fmtCase{"%s", []any{7}, false}, false},
		{fmtCase{strings.Repeat("long literal ", 40) + "%d", []any{1}, true}, false},
	}
}

// simpleArgs reports whether every argument is of a kind Logf may defer.
func simpleArgs(args []any) bool {
	for _, a := range args {
		if k, _, _ := argKind(a); k == 0 {
			return false
		}
	}
	return true
}

// TestDeferredFormatsAsFmt writes each call as the call site does, encodes
// the block as the dispatcher does and decodes it as the server does: the
// message must be fmt.Sprintf's, whether the call deferred or not.
func TestDeferredFormatsAsFmt(t *testing.T) {
	type call struct {
		fmtCase
		deferred bool
	}
	var calls []call
	for _, c := range fmtCases() {
		calls = append(calls, call{c, c.plan && simpleArgs(c.args)})
	}
	for _, c := range deferredCases() {
		calls = append(calls, call(c))
	}
	props := NewPropertySet(Property{"k", "v"})
	for _, c := range calls {
		for _, ps := range []*PropertySet{nil, props} {
			t.Run(fmt.Sprintf("%.40s/props=%v", c.format, ps != nil), func(t *testing.T) {
				testDeferred(t, c.format, c.args, ps, c.deferred)
			})
		}
	}
}

func testDeferred(t *testing.T, format string, args []any, props *PropertySet, deferred bool) {
	s := newLogSite(LevelInfo, "deferred/test", format, 1)
	before := newLogSite(LevelInfo, "deferred/test", "static", 1)
	var da deferredArgs
	size := s.deferredSize(DefaultLogBufferSize, props, args, &da)
	if (size > 0) != deferred {
		t.Fatalf("deferred %v (size %d), want %v", size > 0, size, deferred)
	}
	if len(args) == 1 { // Logf's one-argument path must decide and reserve alike
		size1, kind, val := s.deferredSize1(DefaultLogBufferSize, props, args[0])
		if size1 != size || size > 0 && (kind != da.kinds[0] || val != da.vals[0]) {
			t.Fatalf("deferredSize1 = %d, %d, %#x; deferredSize = %d, %d, %#x", size1, kind, val, size, da.kinds[0], da.vals[0])
		}
	}
	// A static event, then the call, as the writer lays them out.
	objs := make([]byte, logStaticSize, logStaticSize+maxDeferredSize)
	objs[0] = logStaticStrEvent
	putU64(objs[1:], before.id)
	putI64(objs[9:], 1)
	if deferred {
		ev := make([]byte, size)
		for i := range ev {
			ev[i] = 0xAA // what a recycled buffer holds
		}
		s.writeDeferred(ev, 2, props, &da, args)
		objs = append(objs, ev...)
	} else {
		msg := s.appendMessage(nil, args)
		header := logStringHeader
		if props != nil {
			header = taggedLogHeader
		}
		ev := make([]byte, header+dynStringHeader+len(msg))
		putU32(ev[1:], uint32(len(ev)-5))
		putU64(ev[5:], s.id)
		if props == nil {
			ev[0] = logStringEventV2
			putI64(ev[13:], 2)
		} else {
			ev[0] = taggedLogString
			putU64(ev[13:], props.id)
			putI64(ev[21:], 2)
		}
		ev[header] = 2
		putU32(ev[header+1:], uint32(len(msg)))
		copy(ev[header+dynStringHeader:], msg)
		objs = append(objs, ev...)
	}
	enc := newEncoder("00000000-0000-0000-0000-000000000001", 0, DefaultLogBufferSize)
	w := &writer{stream: newStream(kindLog, nil)}
	h := handOff{w: w, buf: &eventBuffer{data: objs}, from: &cutPoint{at: nowDual()}, to: &cutPoint{n: len(objs), count: 2, at: nowDual()}}
	for _, raw := range []bool{false, true} {
		body, err := enc.encodeBlock(&h, raw)
		if err != nil {
			t.Fatal(err)
		}
		if deferred && len(enc.rewritten) > len(objs) {
			t.Errorf("the block grew from %d to %d bytes", len(objs), len(enc.rewritten))
		}
		type logRow struct{ typ, fmtStr, msg, props string }
		var got []logRow
		decodeLogBlock(t, body, func(o *transit.Object) {
			desc := must[*transit.Object](t)(o.Obj("desc"))
			r := logRow{typ: o.TypeName, fmtStr: must[string](t)(desc.Str("fmt_str"))}
			if o.TypeName != "LogStaticStrEvent" {
				r.msg = must[string](t)(o.Str("msg"))
			}
			if o.TypeName == "TaggedLogString" {
				pm := must[map[string]string](t)(must[*transit.Object](t)(o.Obj("properties")).PropertyMap())
				r.props = fmt.Sprint(pm)
			}
			if ti, err := o.I64("time"); err != nil || ti == 0 {
				t.Errorf("%s: time %d, %v", o.TypeName, ti, err)
			}
			got = append(got, r)
		})
		want := []logRow{{"LogStaticStrEvent", "static", "", ""}, {"LogStringEventV2", format, fmt.Sprintf(format, args...), ""}}
		if props != nil {
			want[1].typ, want[1].props = "TaggedLogString", "map[k:v]"
		}
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("raw %v: got %q, want %q", raw, got, want)
		}
	}
}

// decodeLogBlock decodes the events of a log block body as the server does.
func decodeLogBlock(t *testing.T, body []byte, fn func(*transit.Object)) {
	t.Helper()
	b, err := transit.DecodeBlock(body)
	if err != nil {
		t.Fatal(err)
	}
	depBuf, err := transit.Decompress(b.Payload.Dependencies)
	if err != nil {
		t.Fatal(err)
	}
	objBuf, err := transit.Decompress(b.Payload.Objects)
	if err != nil {
		t.Fatal(err)
	}
	deps, err := transit.ParseDependencies(depBuf, roundTripUDTs(t, dependencyUDTs(kindLog)))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = transit.ParseObjects(objBuf, roundTripUDTs(t, objectUDTs(kindLog)), deps, func(o *transit.Object) error {
		fn(o)
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if int32(n) != b.NbObjects {
		t.Errorf("%d events decoded, the block declares %d", n, b.NbObjects)
	}
}

var (
	e2eDeferred = NewLogSite(LevelInfo, "deferred/e2e", "user %s took %.2f ms (%d/%d) ok=%t")
	e2eLong     = NewLogSite(LevelInfo, "deferred/e2e", "%s")
)

// TestDeferredEndToEnd records deferred calls with a running telemetry,
// through the sink to a collector, among calls formatted at once.
func TestDeferredEndToEnd(t *testing.T) {
	c := newCollector(t)
	g := startTelemetry(t, Config{URL: c.url(), MaxLevel: LevelInfo})
	props := NewPropertySet(Property{"region", "eu"})
	long := strings.Repeat("ü", 1000)
	var want []string
	for i := range 300 {
		name := fmt.Sprintf("ädä-%d", i)
		e2eDeferred.Logf(name, float64(i)/3, -i, uint64(i), i%2 == 0)
		want = append(want, fmt.Sprintf(e2eDeferred.format, name, float64(i)/3, -i, uint64(i), i%2 == 0))
		e2eDeferred.LogfWith(props, name, 1.0, i, i, false)
		want = append(want, fmt.Sprintf(e2eDeferred.format, name, 1.0, i, i, false)+" {region=eu}")
		if i%50 == 0 {
			e2eLong.Logf(long)
			want = append(want, long)
		}
	}
	shutdown(t, g)
	var got []string
	for _, e := range byType(byTime(c.events()), "LogStringEventV2", "TaggedLogString") {
		desc := must[*transit.Object](t)(e.obj.Obj("desc"))
		if must[string](t)(desc.Str("target")) != "deferred/e2e" {
			continue
		}
		msg := must[string](t)(e.obj.Str("msg"))
		if e.obj.TypeName == "TaggedLogString" {
			pm := must[map[string]string](t)(must[*transit.Object](t)(e.obj.Obj("properties")).PropertyMap())
			msg += fmt.Sprintf(" {region=%s}", pm["region"])
		}
		got = append(got, msg)
	}
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d: got %q, want %q", i, got[i], want[i])
		}
	}
}
