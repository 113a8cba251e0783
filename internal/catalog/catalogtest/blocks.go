package catalogtest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

func blockIDs(blocks []catalog.Block) []string {
	ids := make([]string, len(blocks))
	for i, b := range blocks {
		ids[i] = b.BlockID
	}
	return ids
}

func checkBlockOrder(t *testing.T, blocks []catalog.Block) {
	t.Helper()
	for i := 1; i < len(blocks); i++ {
		a, b := blocks[i-1], blocks[i]
		if a.InsertTime.After(b.InsertTime) || (a.InsertTime.Equal(b.InsertTime) && a.BlockID >= b.BlockID) {
			t.Fatalf("blocks %d and %d not ordered by (insert_time, block_id): (%v, %s) then (%v, %s)",
				i-1, i, a.InsertTime, a.BlockID, b.InsertTime, b.BlockID)
		}
	}
}

func testListBlocksFilters(t *testing.T, s catalog.Store) {
	p1, p2 := newProcess(baseTime), newProcess(baseTime)
	s1 := newStream(p1.ProcessID, "log")
	s2 := newStream(p1.ProcessID, "cpu")
	s3 := newStream(p2.ProcessID, "log", "extra")
	mustInsertProcess(t, s, p1)
	mustInsertProcess(t, s, p2)
	for _, st := range []catalog.Stream{s1, s2, s3} {
		mustInsertStream(t, s, st)
	}
	orphanProcess, orphanStream := uuid.NewString(), uuid.NewString()
	in := []catalog.Block{
		newBlock(p1.ProcessID, s1.StreamID, baseTime),
		newBlock(p1.ProcessID, s2.StreamID, baseTime),
		newBlock(p2.ProcessID, s3.StreamID, baseTime),
		newBlock(p1.ProcessID, s1.StreamID, baseTime),
		newBlock(p1.ProcessID, s2.StreamID, baseTime),
		newBlock(orphanProcess, orphanStream, baseTime),
	}
	for _, b := range in {
		mustInsertBlock(t, s, b)
		time.Sleep(2 * time.Millisecond) // distinct insert times, even at µs precision
	}
	all := mustListBlocks(t, s, catalog.BlockFilter{})
	if got, want := blockIDs(all), blockIDs(in); !slices.Equal(got, want) {
		t.Fatalf("ListBlocks() = %v, want insert order %v", got, want)
	}
	for i := range in {
		checkBlock(t, all[i], in[i])
	}
	checkBlockOrder(t, all)
	at := func(i int) time.Time { return all[i].InsertTime }
	pick := func(idx ...int) []string {
		ids := make([]string, len(idx))
		for i, j := range idx {
			ids[i] = in[j].BlockID
		}
		return ids
	}
	cases := []struct {
		name   string
		filter catalog.BlockFilter
		want   []string
	}{
		{"Process", catalog.BlockFilter{ProcessID: p1.ProcessID}, pick(0, 1, 3, 4)},
		{"Stream", catalog.BlockFilter{StreamID: s2.StreamID}, pick(1, 4)},
		{"Tag", catalog.BlockFilter{Tag: "log"}, pick(0, 2, 3)},
		{"SecondTag", catalog.BlockFilter{Tag: "extra"}, pick(2)},
		{"UnknownTag", catalog.BlockFilter{Tag: "nope"}, pick()},
		{"TagAndProcess", catalog.BlockFilter{Tag: "log", ProcessID: p1.ProcessID}, pick(0, 3)},
		{"InsertRange", catalog.BlockFilter{InsertedFrom: at(1), InsertedTo: at(3)}, pick(1, 2)},
		{"InsertFrom", catalog.BlockFilter{InsertedFrom: at(4)}, pick(4, 5)},
		{"InsertTo", catalog.BlockFilter{InsertedTo: at(1)}, pick(0)},
		{"EmptyRange", catalog.BlockFilter{InsertedFrom: at(2), InsertedTo: at(2)}, pick()},
		{"Limit", catalog.BlockFilter{Limit: 2}, pick(0, 1)},
		{"LimitAndTag", catalog.BlockFilter{Limit: 1, Tag: "cpu"}, pick(1)},
		{"OrphanProcess", catalog.BlockFilter{ProcessID: orphanProcess}, pick(5)},
		{"RangeAndStream", catalog.BlockFilter{StreamID: s1.StreamID, InsertedFrom: at(1)}, pick(3)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := blockIDs(mustListBlocks(t, s, tc.filter))
			if !slices.Equal(got, tc.want) {
				t.Errorf("ListBlocks(%+v) = %v, want %v", tc.filter, got, tc.want)
			}
		})
	}
}

func testConcurrentInserts(t *testing.T, s catalog.Store) {
	const workers, perWorker = 8, 25
	p := newProcess(baseTime)
	st := newStream(p.ProcessID, "log")
	ctx := ctxFor(t)
	var wg sync.WaitGroup
	errs := make(chan error, workers*(perWorker+2))
	for range workers {
		wg.Go(func() {
			// Every worker races to insert the same process and stream.
			errs <- s.InsertProcess(ctx, p)
			errs <- s.InsertStream(ctx, st)
			for range perWorker {
				errs <- s.InsertBlock(ctx, newBlock(p.ProcessID, st.StreamID, baseTime))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent insert: %v", err)
		}
	}
	blocks := mustListBlocks(t, s, catalog.BlockFilter{Tag: "log"})
	if len(blocks) != workers*perWorker {
		t.Fatalf("ListBlocks = %d blocks, want %d", len(blocks), workers*perWorker)
	}
	checkBlockOrder(t, blocks)
	procs, err := s.ListProcesses(ctx)
	if err != nil || len(procs) != 1 {
		t.Fatalf("ListProcesses = %d processes, %v; want 1", len(procs), err)
	}
	streams, err := s.ListStreams(ctx, p.ProcessID)
	if err != nil || len(streams) != 1 {
		t.Fatalf("ListStreams = %d streams, %v; want 1", len(streams), err)
	}
}

// testBlockIDConflict reuses a block id: with the same ids it is a retry
// (no error, one row); with another stream or process it is refused with
// ErrConflict and the first row stays.
func testBlockIDConflict(t *testing.T, s catalog.Store) {
	p := newProcess(baseTime)
	st := newStream(p.ProcessID, "log")
	b := newBlock(p.ProcessID, st.StreamID, baseTime)
	mustInsertBlock(t, s, b)
	mustInsertBlock(t, s, b)
	otherStream := b
	otherStream.StreamID = uuid.NewString()
	otherProcess := b
	otherProcess.ProcessID = uuid.NewString()
	for _, c := range []catalog.Block{otherStream, otherProcess} {
		if err := s.InsertBlock(ctxFor(t), c); !errors.Is(err, catalog.ErrConflict) {
			t.Errorf("InsertBlock(same id, stream %s, process %s) = %v, want ErrConflict", c.StreamID, c.ProcessID, err)
		}
	}
	got := mustListBlocks(t, s, catalog.BlockFilter{})
	if len(got) != 1 || got[0].StreamID != b.StreamID || got[0].ProcessID != b.ProcessID {
		t.Fatalf("rows after conflicting inserts: %+v, want the first block only", got)
	}
}
