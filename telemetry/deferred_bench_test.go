package telemetry

import "testing"

var benchDeferSite = NewLogSite(LevelInfo, "bench", "value=%d")

// BenchmarkDeferredRewrite measures what deferred formatting moves to the
// encoder: rewriting a block of 1000 deferred "value=%d" events into
// LogStringEventV2 events (ns/event is per event).
//
//	go test -run '^$' -bench DeferredRewrite -benchmem ./telemetry/
func BenchmarkDeferredRewrite(b *testing.B) {
	const n = 1000
	var objs []byte
	for i := range n {
		args := []any{i * 7919}
		var da deferredArgs
		size := benchDeferSite.deferredSize(DefaultLogBufferSize, nil, args, &da)
		if size == 0 {
			b.Fatal("not deferred")
		}
		ev := make([]byte, size)
		benchDeferSite.writeDeferred(ev, int64(i), nil, &da, args)
		objs = append(objs, ev...)
	}
	enc := newEncoder("00000000-0000-0000-0000-000000000001", 0, DefaultLogBufferSize)
	if err := enc.extract(kindLog, objs); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := enc.rewriteDeferred(objs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
}
