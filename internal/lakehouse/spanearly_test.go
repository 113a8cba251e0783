package lakehouse

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

// TestThreadSpansWrittenEarly converts thread streams of many row groups,
// whose call trees hand rows out before they are finished (callTree.take),
// and wants the file written that way to be, byte for byte, the file
// written once each tree is finished. When a later event changes rows
// already handed out, the bet is lost and view_instance falls back to
// the second way.
func TestThreadSpansWrittenEarly(t *testing.T) {
	const blocks, frames, late = 10, 100, 6 // 400 spans a block
	// spoil adds events at the end of block i and may set its end.
	type spoiler func(i int, blk *lakehousetest.Block, ticks, end *int64)
	a := site("a", 1)
	cases := []struct {
		name      string
		gapAt     int // a block that does not follow the one before
		spoil     spoiler
		extraRows int64
		wantLost  bool
	}{
		{"well formed", -1, nil, 0, false},
		{"gap between two runs", late, nil, 1, false},
		{"late end of a span begun before the tree", -1, func(i int, blk *lakehousetest.Block, ticks, _ *int64) {
			if i == late {
				*ticks += 100
				blk.EndSpan(a, *ticks)
			}
		}, 1, true},
		{"time going back", -1, func(i int, blk *lakehousetest.Block, _, _ *int64) {
			if i == late {
				blk.BeginSpan(a, 5)
				blk.EndSpan(a, 6)
			}
		}, 1, true},
		{"event after the last block's end", -1, func(i int, _ *lakehousetest.Block, ticks, end *int64) {
			if i == blocks-1 {
				*end = *ticks - 50
			}
		}, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			tl := newTestLake(t)
			tl.spanRowGroupRows = 500
			p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", t0, 0, 1_000_000, nil))
			s := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, p, lakehousetest.KindCPU, map[string]string{"thread-name": "main"}))
			sites := []*lakehousetest.SpanSite{site("frame", 1), site("update", 2), site("physics", 3), site("solve", 4)}
			var ticks int64
			for i := range blocks {
				blk := lakehousetest.NewBlock()
				if i == c.gapAt {
					ticks += 1000
				}
				begin := ticks
				if i == 0 { // the stream starts inside a frame
					for k := 3; k >= 0; k-- {
						ticks += 100
						blk.EndSpan(sites[k], ticks)
					}
				}
				for range frames {
					ticks = appendFrame(blk, sites, ticks)
				}
				if i == blocks-1 { // the last frame is left open
					ticks += 100
					blk.BeginSpan(sites[0], ticks)
				}
				end := int64(-1) // the block's end: its last event, unless spoil moves it
				if c.spoil != nil {
					c.spoil(i, blk, &ticks, &end)
				}
				if end < 0 {
					end = ticks
				}
				if _, err := tl.w.WriteBlock(ctx, s, blk, begin, end, time.Time{}); err != nil {
					t.Fatal(err)
				}
			}
			v, _ := lookupView(ThreadSpansView)
			bl := must[[]catalog.Block](t)(tl.store.ListBlocks(ctx, catalog.BlockFilter{StreamID: s.StreamID}))
			m := must[*streamMeta](t)(newSources(tl.opts.Catalog).get(ctx, bl[0]))

			early, err := tl.writeSpanFile(ctx, v, s.StreamID, t0, bl, m, true)
			if lost := errors.Is(err, errLostBet); lost != c.wantLost {
				t.Fatalf("speculative conversion: error %v, want a lost bet: %v", err, c.wantLost)
			}
			if !c.wantLost {
				check(t, err)
			}
			late, err := tl.writeSpanFile(ctx, v, s.StreamID, t0, bl, m, false)
			check(t, err)
			want := tl.objectBytes(t, late.key)
			if !c.wantLost {
				if early.earlyRows == 0 {
					t.Fatal("no row was written before its tree was finished")
				}
				if got := tl.objectBytes(t, early.key); !bytes.Equal(got, want) {
					t.Fatalf("file written early (%d bytes) differs from the file written after (%d bytes)", len(got), len(want))
				}
				if early.rows != late.rows || early.minTime != late.minTime || early.maxTime != late.maxTime {
					t.Fatalf("written early: %+v, after: %+v", early, late)
				}
			}
			// Spans, those begun before the stream, the root, the last frame.
			if want := int64(blocks*frames*4+4+1+1) + c.extraRows; late.rows != want {
				t.Fatalf("%d rows, want %d", late.rows, want)
			}
			// view_instance takes the same rows, falling back when the bet is lost.
			got := tl.rows(t, `SELECT count(*), sum(hash(id, parent, depth, hash, "begin", "end", duration, name, target, filename, line))
				FROM view_instance('thread_spans', '`+s.StreamID+`')`, QueryOptions{})
			parts := tl.partitions(t, ThreadSpansView, s.StreamID)
			if len(parts) != 1 || !bytes.Equal(tl.objectBytes(t, parts[0].FilePath), want) {
				t.Fatalf("view_instance wrote %d partitions, not the file written after the trees (rows %v)", len(parts), got)
			}
		})
	}
}

// TestThreadSpansUnreadableBlockAfterEarlyRows corrupts a block after the
// first rows were written: its tree ends before the end its blocks
// announced, and view_instance falls back to writing each tree once
// finished.
func TestThreadSpansUnreadableBlockAfterEarlyRows(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	tl.spanRowGroupRows = 100
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", t0, 0, 1000, nil))
	s := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, p, lakehousetest.KindCPU, map[string]string{"thread-name": "main"}))
	a := site("a", 1)
	var written []catalog.Block
	var ticks int64
	for range 6 {
		blk := lakehousetest.NewBlock()
		begin := ticks
		for range 100 {
			blk.BeginSpan(a, ticks+1)
			blk.EndSpan(a, ticks+2)
			ticks += 2
		}
		written = append(written, must[catalog.Block](t)(tl.w.WriteBlock(ctx, s, blk, begin, ticks, time.Time{})))
	}
	bad := written[4]
	path := filepath.Join(tl.dir, "objects", filepath.FromSlash(blobstore.BlockKey(bad.ProcessID, bad.StreamID, bad.BlockID)))
	check(t, os.WriteFile(path, []byte("not a block"), 0o644))
	v, _ := lookupView(ThreadSpansView)
	m := must[*streamMeta](t)(newSources(tl.opts.Catalog).get(ctx, written[0]))
	if _, err := tl.writeSpanFile(ctx, v, s.StreamID, t0, written, m, true); !errors.Is(err, errLostBet) {
		t.Fatalf("speculative conversion: error %v, want a lost bet", err)
	}
	got := tl.rows(t, `SELECT count(*), min("begin"), max("end") FROM view_instance('thread_spans', '`+s.StreamID+`') WHERE depth = 0`, QueryOptions{})
	wantRows(t, got, "2 | "+ts(0)+" | "+ts(1200*time.Millisecond))
	got = tl.rows(t, `SELECT count(*) FROM view_instance('thread_spans', '`+s.StreamID+`')`, QueryOptions{})
	wantRows(t, got, "502")
}

// objectBytes reads an object of the test lake.
func (tl *testLake) objectBytes(t *testing.T, key string) []byte {
	t.Helper()
	return must[[]byte](t)(tl.blobs.Get(context.Background(), key))
}
