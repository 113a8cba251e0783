package telemetry

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/pierrec/lz4/v4"
)

// eventLike returns n bytes of async span events as the load generator
// records them: a begin and an end per span, ids rising, times a few
// dozen ticks apart (the layout of writer.asyncEvent).
func eventLike(n int, seed uint64) []byte {
	return asyncEvents(n, seed, 7)
}

func asyncEvents(n int, seed, desc uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, 0, n+2*asyncSpanSize)
	t := int64(r.Uint32())
	for id := uint64(1); len(b) < n; id++ {
		for _, typ := range []byte{beginAsyncSpanEvent, endAsyncSpanEvent} {
			t += 20 + int64(r.IntN(40))
			b = append(b, typ)
			b = binary.LittleEndian.AppendUint64(b, desc)
			b = binary.LittleEndian.AppendUint64(b, id)
			b = binary.LittleEndian.AppendUint64(b, 0)
			b = binary.LittleEndian.AppendUint64(b, uint64(t))
			b = binary.LittleEndian.AppendUint32(b, 0)
		}
	}
	return b[:n]
}

// metricEvents returns whole integer metric events (value i, rising times).
func metricEvents(n int, seed, desc uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, 0, n)
	t := int64(r.Uint32())
	for i := uint64(0); len(b)+metricSize <= n; i++ {
		t += 20 + int64(r.IntN(40))
		b = append(b, integerMetricEvent)
		b = binary.LittleEndian.AppendUint64(b, desc)
		b = binary.LittleEndian.AppendUint64(b, i)
		b = binary.LittleEndian.AppendUint64(b, uint64(t))
	}
	return b
}

func lz4Decode(t testing.TB, frame []byte) []byte {
	t.Helper()
	out, err := io.ReadAll(lz4.NewReader(bytes.NewReader(frame)))
	if err != nil {
		t.Fatalf("decode our LZ4 frame: %v", err)
	}
	return out
}

// TestLZ4FrameRoundTrip decodes our frames with pierrec/lz4 (the reader of
// internal/transit) for inputs that exercise every path: empty and tiny,
// periodic, random (stored raw), long runs, and several 4 MiB blocks.
func TestLZ4FrameRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	mixed := append(append(eventLike(100_000, 1), random(70_000)...), eventLike(50_000, 2)...)
	cases := map[string][]byte{
		"empty":          {},
		"one byte":       {42},
		"12 bytes":       []byte("abcdabcdabcd"),
		"13 bytes":       []byte("abcdabcdabcda"),
		"zeros":          make([]byte, 100_000),
		"events":         eventLike(1<<20, 5),
		"random":         random(300_000),
		"mixed":          mixed,
		"text":           bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog; "), 5000),
		"several blocks": eventLike(9<<20+123, 6),
	}
	for n := range 40 {
		cases["events-"+string(rune('a'+n%26))+string(rune('0'+n/26))] = eventLike(n*7+1, uint64(n))
	}
	var c lz4Compressor
	for name, src := range cases {
		for _, raw := range []bool{false, true} {
			frame := c.appendFrame([]byte("prefix"), src, raw)
			if !bytes.HasPrefix(frame, []byte("prefix")) {
				t.Fatalf("%s: prefix lost", name)
			}
			if got := lz4Decode(t, frame[len("prefix"):]); !bytes.Equal(got, src) {
				t.Errorf("%s (raw %v): round trip differs (%d bytes in, %d out)", name, raw, len(src), len(got))
			}
			if len(frame) > len("prefix")+lz4FrameBound(len(src)) {
				t.Errorf("%s (raw %v): frame of %d bytes exceeds the bound %d", name, raw, len(frame), lz4FrameBound(len(src)))
			}
		}
	}
	if frame := c.appendFrame(nil, cases["events"], false); len(frame) > len(cases["events"])/3 {
		t.Errorf("events compress to %d of %d bytes, want under a third", len(frame), len(cases["events"]))
	}
}

// FuzzLZ4Frame checks the round trip on arbitrary inputs.
func FuzzLZ4Frame(f *testing.F) {
	f.Add([]byte("abcabcabcabcabcabcabcabc"))
	f.Add(eventLike(1000, 1))
	f.Fuzz(func(t *testing.T, src []byte) {
		var c lz4Compressor
		if got := lz4Decode(t, c.appendFrame(nil, src, false)); !bytes.Equal(got, src) {
			t.Fatalf("round trip differs")
		}
	})
}

// BenchmarkCompress compares our compressor with pierrec/lz4 (the one
// used before, and by internal/transit) on a 1 MiB block of events, in the
// same run.
//
//	go test -run '^$' -bench Compress -benchmem ./telemetry/
func BenchmarkCompress(b *testing.B) {
	src := eventLike(1<<20, 9)
	b.Run("ours", func(b *testing.B) {
		var c lz4Compressor
		var dst []byte
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			dst = c.appendFrame(dst[:0], src, false)
		}
		b.ReportMetric(float64(len(src))/float64(len(dst)), "ratio")
	})
	b.Run("pierrec", func(b *testing.B) {
		w := lz4.NewWriter(nil)
		var buf bytes.Buffer
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			buf.Reset()
			w.Reset(&buf)
			_ = w.Apply(lz4.BlockSizeOption(lz4.Block1Mb), lz4.BlockChecksumOption(false), lz4.ChecksumOption(true))
			_, _ = w.Write(src)
			_ = w.Close()
		}
		b.ReportMetric(float64(len(src))/float64(buf.Len()), "ratio")
	})
}

// TestShouldCompress pins when blocks go uncompressed: a backlog of a
// quarter of the hand-over queue, while the sink has room.
func TestShouldCompress(t *testing.T) {
	for _, c := range []struct {
		backlog, capacity     int
		sinkQueued, sinkLimit int64
		want                  bool
	}{
		{0, 28, 0, 64 << 20, true},
		{6, 28, 0, 64 << 20, true},
		{7, 28, 0, 64 << 20, false},
		{28, 28, 10 << 20, 64 << 20, false},
		{28, 28, 32 << 20, 64 << 20, true}, // the sink is half full: compress
		{0, 1, 0, 64 << 20, true},
		{1, 1, 0, 64 << 20, false},
	} {
		if got := shouldCompress(c.backlog, c.capacity, c.sinkQueued, c.sinkLimit); got != c.want {
			t.Errorf("shouldCompress(%d, %d, %d, %d) = %v, want %v", c.backlog, c.capacity, c.sinkQueued, c.sinkLimit, got, c.want)
		}
	}
}

var (
	benchEncSpan   = NewSpan("bench_encode")
	benchEncMetric = NewMetric("bench_encode", "count")
)

// BenchmarkEncodeBlock is the encoders' cost per event for a 1 MiB block
// as the load generator fills them: dependency extraction, LZ4 (or the
// uncompressed frame used under backlog) and CBOR, in the same run.
//
//	go test -run '^$' -bench EncodeBlock ./telemetry/
func BenchmarkEncodeBlock(b *testing.B) {
	for _, c := range []struct {
		name   string
		kind   streamKind
		size   int
		events []byte
	}{
		{"async", kindCPU, asyncSpanSize, asyncEvents(1<<20/asyncSpanSize*asyncSpanSize, 1, benchEncSpan.id)},
		{"metric", kindMetrics, metricSize, metricEvents(1<<20, 1, benchEncMetric.id)},
	} {
		n := len(c.events) / c.size
		h := handOff{w: &writer{stream: newStream(c.kind, nil)}, buf: &eventBuffer{data: c.events},
			from: &cutPoint{}, to: &cutPoint{n: len(c.events), count: uint32(n)}}
		for _, raw := range []bool{false, true} {
			b.Run(c.name+map[bool]string{false: "/compressed", true: "/uncompressed"}[raw], func(b *testing.B) {
				enc := newEncoder("00000000-0000-0000-0000-000000000001", 0, DefaultLogBufferSize)
				var body []byte
				b.SetBytes(int64(len(c.events)))
				for b.Loop() {
					var err error
					if body, err = enc.encodeBlock(&h, raw); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/event")
				b.ReportMetric(float64(len(body))/float64(n), "B/event")
			})
		}
	}
}
