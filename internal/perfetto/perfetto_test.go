package perfetto

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/perfetto/perfettotest"
)

var t0 = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

func at(ns int64) time.Time { return t0.Add(time.Duration(ns)) }

// fakeSource serves fixed threads and spans.
type fakeSource struct {
	threads []Thread
	spans   map[string][]Span // by stream id
	async   []Span
	// asked records the ranges of the span calls.
	asked []string
}

func (f *fakeSource) ProcessExe(_ context.Context, pid string) (string, error) {
	if pid != "p1" {
		return "", ErrProcessNotFound
	}
	return "game.exe", nil
}

func (f *fakeSource) Threads(context.Context, string) ([]Thread, error) { return f.threads, nil }

func (f *fakeSource) ThreadSpans(_ context.Context, sid string, begin, end time.Time, fn func(Span) error) error {
	f.asked = append(f.asked, fmt.Sprintf("thread %s %d %d", sid, begin.Sub(t0), end.Sub(t0)))
	for _, s := range f.spans[sid] {
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeSource) AsyncSpans(_ context.Context, _ string, begin, end time.Time, fn func(Span) error) error {
	for _, s := range f.async {
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

func span(begin, end int64, depth uint32, name string) Span {
	return Span{Begin: at(begin), End: at(end), Depth: depth, Name: name, Target: "tgt/" + name, File: name + ".go", Line: uint32(depth) * 10}
}

func sampleSource() *fakeSource {
	return &fakeSource{
		threads: []Thread{{StreamID: "s-main", Name: "main", ID: "7"}, {StreamID: "s-worker", Name: "", ID: ""}},
		spans: map[string][]Span{
			"s-main": {
				span(0, 1000, 0, "main"), // the thread's root node: not drawn
				span(100, 200, 1, "frame"),
				span(120, 150, 2, "update"),
				span(160, 190, 2, "render"),
				span(300, 400, 1, "frame"),
			},
			"s-worker": {span(50, 60, 1, "job")},
		},
		// A contains D; B overlaps A without nesting; C starts when A ended.
		async: []Span{
			span(100, 300, 0, "A"),
			span(110, 120, 1, "D"),
			span(150, 400, 0, "B"),
			span(300, 350, 0, "C"),
		},
	}
}

func generate(t *testing.T, src Source, opts Options) *perfettotest.Trace {
	t.Helper()
	var buf bytes.Buffer
	if err := Generate(context.Background(), src, "p1", opts, &buf); err != nil {
		t.Fatal(err)
	}
	tr, err := perfettotest.Decode(buf.Bytes())
	if err != nil {
		t.Fatalf("the trace does not decode: %v", err)
	}
	return tr
}

func TestGenerateTracks(t *testing.T) {
	tr := generate(t, sampleSource(), Options{Begin: at(0), End: at(1000)})
	proc := ProcessUUID("p1")
	p := tr.Tracks[proc]
	if p == nil || !p.IsProcess || p.Name != "game.exe" || p.PID != int32(proc) {
		t.Fatalf("process track = %+v, want game.exe with pid %d", p, int32(proc))
	}
	main := tr.Tracks[threadUUID("s-main")]
	if main == nil || !main.IsThread || main.Name != "main" || main.TID != 7 || main.Parent != proc || main.PID != int32(proc) {
		t.Errorf("main thread track = %+v", main)
	}
	worker := tr.Tracks[threadUUID("s-worker")]
	if worker == nil || worker.Name != "s-worker" || worker.TID != int32(threadUUID("s-worker")) {
		t.Errorf("worker thread track (no name, no id) = %+v", worker)
	}
	async := tr.Tracks[asyncUUID(proc)]
	if async == nil || async.Name != "Async Operations" || async.Parent != proc {
		t.Errorf("async track = %+v", async)
	}
	if len(tr.Tracks) != 5 {
		t.Errorf("%d tracks, want process, 2 threads, async and one async lane", len(tr.Tracks))
	}

	// Sequence flags: the first packet clears the incremental state.
	for i, p := range tr.Packets {
		if p.SeqID != 1 {
			t.Fatalf("packet %d: sequence id %d, want 1", i, p.SeqID)
		}
		wantFlags, wantFirst := uint64(2), false
		if i == 0 {
			wantFlags, wantFirst = 3, true
		}
		if p.Flags != wantFlags || p.First != wantFirst {
			t.Errorf("packet %d: flags %d first %v, want %d %v", i, p.Flags, p.First, wantFlags, wantFirst)
		}
		if (p.Event != nil) != p.HasTS {
			t.Errorf("packet %d: events and only events carry a timestamp", i)
		}
	}
}

func TestGenerateSlices(t *testing.T) {
	tr := generate(t, sampleSource(), Options{Begin: at(0), End: at(1000)})
	got, err := tr.Slices()
	if err != nil {
		t.Fatal(err)
	}
	base := uint64(t0.UnixNano())
	proc := ProcessUUID("p1")
	async := asyncUUID(proc)
	lane1 := laneUUID(async, 1)
	type want struct {
		track      uint64
		begin, end uint64
		depth      int
		name       string
	}
	var wants []want
	for _, w := range []want{
		{threadUUID("s-main"), 100, 200, 0, "frame"},
		{threadUUID("s-main"), 120, 150, 1, "update"},
		{threadUUID("s-main"), 160, 190, 1, "render"},
		{threadUUID("s-main"), 300, 400, 0, "frame"},
		{threadUUID("s-worker"), 50, 60, 0, "job"},
		{async, 100, 300, 0, "A"},
		{async, 110, 120, 1, "D"},
		{lane1, 150, 400, 0, "B"},
		{async, 300, 350, 0, "C"},
	} {
		w.begin += base
		w.end += base
		wants = append(wants, w)
	}
	var gotKeys, wantKeys []string
	for _, s := range got {
		gotKeys = append(gotKeys, fmt.Sprintf("%d %d-%d d%d %s", s.Track, s.Begin, s.End, s.Depth, s.Name))
		if s.Cat != "tgt/"+s.Name || s.File != s.Name+".go" {
			t.Errorf("slice %s: category %q file %q", s.Name, s.Cat, s.File)
		}
	}
	for _, w := range wants {
		wantKeys = append(wantKeys, fmt.Sprintf("%d %d-%d d%d %s", w.track, w.begin, w.end, w.depth, w.name))
	}
	slices.Sort(gotKeys)
	slices.Sort(wantKeys)
	if !slices.Equal(gotKeys, wantKeys) {
		t.Errorf("slices:\n got %s\nwant %s", strings.Join(gotKeys, "\n     "), strings.Join(wantKeys, "\n     "))
	}
	if tr.Tracks[lane1] == nil || tr.Tracks[lane1].Parent != async {
		t.Errorf("overlapping async span not on a child lane of the async track: %+v", tr.Tracks[lane1])
	}
	// "frame" is used twice but interned once (Decode rejects a
	// second definition); its source location carries the line.
	for _, s := range got {
		if s.Name == "update" && s.Line != 20 {
			t.Errorf("update line = %d, want 20", s.Line)
		}
	}
}

func TestGenerateSpanTypes(t *testing.T) {
	for _, c := range []struct {
		types        string
		thread, asyn bool
	}{{"thread", true, false}, {"async", false, true}, {"both", true, true}} {
		st, err := ParseSpanTypes(c.types)
		if err != nil {
			t.Fatal(err)
		}
		src := sampleSource()
		tr := generate(t, src, Options{Begin: at(10), End: at(900), Spans: st})
		_, hasThread := tr.Tracks[threadUUID("s-main")]
		_, hasAsync := tr.Tracks[asyncUUID(ProcessUUID("p1"))]
		if hasThread != c.thread || hasAsync != c.asyn {
			t.Errorf("%s: thread tracks %v, async track %v", c.types, hasThread, hasAsync)
		}
		if c.thread && (len(src.asked) == 0 || src.asked[0] != "thread s-main 10 900") {
			t.Errorf("%s: thread spans asked %v, want the trace range", c.types, src.asked)
		}
	}
	if _, err := ParseSpanTypes("cpu"); err == nil {
		t.Error("ParseSpanTypes(cpu) should fail")
	}
}

func TestGenerateErrors(t *testing.T) {
	var buf bytes.Buffer
	err := Generate(context.Background(), sampleSource(), "nope", Options{Begin: at(0), End: at(1)}, &buf)
	if !errors.Is(err, ErrProcessNotFound) {
		t.Errorf("unknown process: %v", err)
	}
	if err := Generate(context.Background(), sampleSource(), "p1", Options{}, &buf); err == nil {
		t.Error("a trace without a time range should fail")
	}
	src := sampleSource()
	src.async = []Span{span(200, 300, 0, "late"), span(100, 150, 0, "early")}
	err = Generate(context.Background(), src, "p1", Options{Begin: at(0), End: at(1000), Spans: AsyncSpans}, &buf)
	if err == nil || !strings.Contains(err.Error(), "out of order") {
		t.Errorf("unsorted spans: %v", err)
	}
}

func TestProcessUUIDIsXXH64Seed0(t *testing.T) {
	// xxh64 of the empty input with seed 0 is a published test vector.
	if got := ProcessUUID(""); got != 0xef46db3751d8e999 {
		t.Errorf("ProcessUUID(\"\") = %#x", got)
	}
}

func TestChunkWriter(t *testing.T) {
	var chunks [][]byte
	var ids []int32
	cw := &ChunkWriter{Size: 4, Emit: func(id int32, b []byte) error {
		ids = append(ids, id)
		chunks = append(chunks, b)
		return nil
	}}
	for _, s := range []string{"ab", "cdefghij", "k"} {
		if _, err := cw.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if err := cw.Close(); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%v %q", ids, chunks); got != `[0 1 2] ["abcd" "efgh" "ijk"]` {
		t.Errorf("chunks = %s", got)
	}
}

// TestLargeTraceStreams writes many spans and checks that the writer
// flushes as it goes rather than holding the trace.
func TestLargeTraceStreams(t *testing.T) {
	var spans []Span
	for i := range int64(50_000) {
		spans = append(spans, span(i*100, i*100+50, 1, fmt.Sprintf("s%d", i%7)))
	}
	src := &fakeSource{threads: []Thread{{StreamID: "s", Name: "t"}}, spans: map[string][]Span{"s": spans}}
	cw := &countingWriter{}
	if err := Generate(context.Background(), src, "p1", Options{Begin: at(0), End: at(1 << 40), Spans: ThreadSpans}, cw); err != nil {
		t.Fatal(err)
	}
	if cw.writes < 10 || cw.max > 2*flushBytes {
		t.Errorf("%d writes, largest %d bytes: the writer should stream in pieces of about %d", cw.writes, cw.max, flushBytes)
	}
}

type countingWriter struct{ writes, max int }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	c.max = max(c.max, len(p))
	return len(p), nil
}
