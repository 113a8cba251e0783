package catalogtest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// deletionTests check the deletions retention relies on; they set the
// store's clock to make rows old.
var deletionTests = []struct {
	name string
	fn   func(t *testing.T, s catalog.Store, c *Clock)
}{
	{"DeleteBlocks", testDeleteBlocks},
	{"DeleteEmptyStreams", testDeleteEmptyStreams},
	{"DeleteEmptyProcesses", testDeleteEmptyProcesses},
	{"DeleteEmptyInBatches", testDeleteEmptyInBatches},
	{"DeletePartitions", testDeletePartitions},
	{"DeletePartitionsOfInstance", testDeletePartitionsOfInstance},
	{"DeletePartitionsLimit", testDeletePartitionsLimit},
}

// Times of the deletion tests: rows inserted at oldT are before cutT,
// rows inserted at youngT are not (cutT itself is not before cutT).
var (
	oldT   = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	cutT   = oldT.Add(90 * 24 * time.Hour)
	youngT = cutT.Add(time.Hour)
)

func testDeleteBlocks(t *testing.T, s catalog.Store, _ *Clock) {
	ctx := ctxFor(t)
	p := newProcess(baseTime)
	st := newStream(p.ProcessID)
	var all []catalog.Block
	for i := range 4 {
		b := newBlock(p.ProcessID, st.StreamID, baseTime.Add(time.Duration(i)*time.Second))
		mustInsertBlock(t, s, b)
		all = append(all, b)
	}
	if n, err := s.DeleteBlocks(ctx, nil); err != nil || n != 0 {
		t.Fatalf("DeleteBlocks(nil) = %d, %v; want 0, nil", n, err)
	}
	// An invalid id fails the whole call: nothing is deleted.
	if _, err := s.DeleteBlocks(ctx, []string{all[0].BlockID, "nope"}); !errors.Is(err, catalog.ErrInvalidID) {
		t.Fatalf("DeleteBlocks with an invalid id: %v, want ErrInvalidID", err)
	}
	if got := mustListBlocks(t, s, catalog.BlockFilter{}); len(got) != 4 {
		t.Fatalf("%d blocks after a failed delete, want 4", len(got))
	}
	// Upper-case ids name the same blocks; unknown ids count nothing.
	del := []string{all[0].BlockID, uuidUpper(all[2].BlockID), uuid.NewString()}
	if n, err := s.DeleteBlocks(ctx, del); err != nil || n != 2 {
		t.Fatalf("DeleteBlocks = %d, %v; want 2, nil", n, err)
	}
	got := blockIDs(mustListBlocks(t, s, catalog.BlockFilter{}))
	if want := []string{all[1].BlockID, all[3].BlockID}; !slices.Equal(got, want) {
		t.Fatalf("blocks left %v, want %v", got, want)
	}
	// Deleting again is not an error.
	if n, err := s.DeleteBlocks(ctx, del); err != nil || n != 0 {
		t.Fatalf("second DeleteBlocks = %d, %v; want 0, nil", n, err)
	}
	// The id may be inserted again (a late retry of the ingestion).
	mustInsertBlock(t, s, all[0])
	if got := mustListBlocks(t, s, catalog.BlockFilter{}); len(got) != 3 {
		t.Fatalf("%d blocks after re-insert, want 3", len(got))
	}
}

func uuidUpper(id string) string {
	b := []byte(id)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// exists reports whether the stream (or process, when stream is false)
// with id is still in s.
func exists(t *testing.T, s catalog.Store, stream bool, id string) bool {
	t.Helper()
	var err error
	if stream {
		_, err = s.GetStream(ctxFor(t), id)
	} else {
		_, err = s.GetProcess(ctxFor(t), id)
	}
	if err != nil && !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("get %s: %v", id, err)
	}
	return err == nil
}

func testDeleteEmptyStreams(t *testing.T, s catalog.Store, c *Clock) {
	ctx := ctxFor(t)
	p := newProcess(baseTime)
	c.Set(oldT)
	mustInsertProcess(t, s, p)
	empty, withBlock, emptied, blockLater := newStream(p.ProcessID), newStream(p.ProcessID), newStream(p.ProcessID), newStream(p.ProcessID)
	for _, st := range []catalog.Stream{empty, withBlock, emptied, blockLater} {
		mustInsertStream(t, s, st)
	}
	mustInsertBlock(t, s, newBlock(p.ProcessID, withBlock.StreamID, baseTime))
	gone := newBlock(p.ProcessID, emptied.StreamID, baseTime)
	mustInsertBlock(t, s, gone)
	// At the cut itself: not before it.
	c.Set(cutT)
	atCut := newStream(p.ProcessID)
	mustInsertStream(t, s, atCut)
	c.Set(youngT)
	young := newStream(p.ProcessID)
	mustInsertStream(t, s, young)
	mustInsertBlock(t, s, newBlock(p.ProcessID, blockLater.StreamID, baseTime))
	// A block whose stream row is missing (sent first) keeps nothing alive
	// and is not deleted.
	orphan := newBlock(p.ProcessID, uuid.NewString(), baseTime)
	mustInsertBlock(t, s, orphan)
	if n, err := s.DeleteBlocks(ctx, []string{gone.BlockID}); err != nil || n != 1 {
		t.Fatalf("DeleteBlocks = %d, %v; want 1", n, err)
	}

	if n, err := s.DeleteEmptyStreams(ctx, time.Time{}); err != nil || n != 0 {
		t.Fatalf("DeleteEmptyStreams(zero time) = %d, %v; want 0, nil", n, err)
	}
	n, err := s.DeleteEmptyStreams(ctx, cutT)
	if err != nil || n != 2 {
		t.Fatalf("DeleteEmptyStreams = %d, %v; want 2 (the old empty one and the one whose block was deleted)", n, err)
	}
	for _, tc := range []struct {
		name string
		id   string
		want bool
	}{
		{"old, never had a block", empty.StreamID, false},
		{"old, its block deleted", emptied.StreamID, false},
		{"old, with a block", withBlock.StreamID, true},
		{"old, with a block inserted later", blockLater.StreamID, true},
		{"inserted at the cut", atCut.StreamID, true},
		{"young, empty", young.StreamID, true},
	} {
		if got := exists(t, s, true, tc.id); got != tc.want {
			t.Errorf("stream %s: exists = %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := mustListBlocks(t, s, catalog.BlockFilter{}); len(got) != 3 {
		t.Errorf("%d blocks left, want 3 (streams are deleted, never blocks)", len(got))
	}
	if !exists(t, s, false, p.ProcessID) {
		t.Error("the process was deleted with its streams")
	}
	if n, err := s.DeleteEmptyStreams(ctx, cutT); err != nil || n != 0 {
		t.Fatalf("second DeleteEmptyStreams = %d, %v; want 0", n, err)
	}
}

func testDeleteEmptyProcesses(t *testing.T, s catalog.Store, c *Clock) {
	ctx := ctxFor(t)
	c.Set(oldT)
	empty, withStream, withBlock, emptied := newProcess(baseTime), newProcess(baseTime), newProcess(baseTime), newProcess(baseTime)
	for _, p := range []catalog.Process{empty, withStream, withBlock, emptied} {
		mustInsertProcess(t, s, p)
	}
	mustInsertStream(t, s, newStream(withStream.ProcessID))
	// withBlock's block came before its stream: the block keeps it.
	mustInsertBlock(t, s, newBlock(withBlock.ProcessID, uuid.NewString(), baseTime))
	// emptied has one old empty stream: retention deletes the stream,
	// then the process.
	mustInsertStream(t, s, newStream(emptied.ProcessID))
	c.Set(youngT)
	young := newProcess(baseTime)
	mustInsertProcess(t, s, young)

	if n, err := s.DeleteEmptyStreams(ctx, cutT); err != nil || n != 2 {
		t.Fatalf("DeleteEmptyStreams = %d, %v; want 2", n, err)
	}
	mustInsertStream(t, s, newStream(withStream.ProcessID)) // a young stream of an old process
	n, err := s.DeleteEmptyProcesses(ctx, cutT)
	if err != nil || n != 2 {
		t.Fatalf("DeleteEmptyProcesses = %d, %v; want 2", n, err)
	}
	for _, tc := range []struct {
		name string
		id   string
		want bool
	}{
		{"old, never had a stream", empty.ProcessID, false},
		{"old, its stream deleted", emptied.ProcessID, false},
		{"old, with a young stream", withStream.ProcessID, true},
		{"old, with a block and no stream", withBlock.ProcessID, true},
		{"young, empty", young.ProcessID, true},
	} {
		if got := exists(t, s, false, tc.id); got != tc.want {
			t.Errorf("process %s: exists = %v, want %v", tc.name, got, tc.want)
		}
	}
	if n, err := s.DeleteEmptyProcesses(ctx, cutT); err != nil || n != 0 {
		t.Fatalf("second DeleteEmptyProcesses = %d, %v; want 0", n, err)
	}
}

// testDeleteEmptyInBatches deletes more rows than one batch holds.
func testDeleteEmptyInBatches(t *testing.T, s catalog.Store, c *Clock) {
	ctx := ctxFor(t)
	const n = 2100 // more than two batches of 1000
	c.Set(oldT)
	p := newProcess(baseTime)
	mustInsertProcess(t, s, p)
	for range n {
		mustInsertStream(t, s, newStream(p.ProcessID))
	}
	c.Set(youngT)
	mustInsertStream(t, s, newStream(p.ProcessID))
	if got, err := s.DeleteEmptyStreams(ctx, cutT); err != nil || got != n {
		t.Fatalf("DeleteEmptyStreams = %d, %v; want %d", got, err, n)
	}
	streams, err := s.ListStreams(ctx, p.ProcessID)
	if err != nil || len(streams) != 1 {
		t.Fatalf("ListStreams = %d streams, %v; want the young one", len(streams), err)
	}
}

func testDeletePartitions(t *testing.T, s catalog.Store, _ *Clock) {
	ctx := ctxFor(t)
	exp := sec(5000)
	a0 := partition("log_entries", "global", 0, 10, "views/a0.parquet")
	a1 := partition("log_entries", "global", 10, 20, "") // empty
	a2 := partition("log_entries", "global", 20, 30, "views/a2.parquet")
	straddle := partition("log_entries", "p1", 15, 25, "views/straddle.parquet")
	inst := partition("log_entries", "p1", 5, 15, "views/p1.parquet")
	point := partition("thread_spans", "s1", 20, 20, "views/point.parquet")
	other := partition("measures", "global", 0, 10, "views/m0.parquet")
	for _, p := range []catalog.Partition{a0, a1, a2, straddle, inst, point, other} {
		mustReplace(t, s, p, exp)
	}
	if _, err := s.DeletePartitions(ctx, catalog.PartitionRange{}, exp); err == nil {
		t.Fatal("DeletePartitions without an end succeeded, want an error")
	}
	deleted, err := s.DeletePartitions(ctx, catalog.PartitionRange{End: sec(20)}, exp)
	if err != nil {
		t.Fatalf("DeletePartitions: %v", err)
	}
	want := []catalog.Partition{a1, a0, other, inst, point}
	catalog.SortPartitions(want)
	if got, w := partitionFiles(deleted), partitionFiles(want); !slices.Equal(got, w) {
		t.Fatalf("deleted %v, want %v", got, w)
	}
	for i := range want {
		checkPartition(t, deleted[i], want[i])
	}
	left := partitionFiles(mustListPartitions(t, s, catalog.PartitionFilter{}))
	if w := partitionFiles([]catalog.Partition{straddle, a2}); !slices.Equal(left, w) {
		t.Fatalf("partitions left %v, want %v", left, w)
	}
	// The files (not the empty partition) wait in temporary_files.
	files, err := s.ListExpiredTemporaryFiles(ctx, exp.Add(time.Second))
	if err != nil {
		t.Fatalf("ListExpiredTemporaryFiles: %v", err)
	}
	var wantFiles []catalog.TemporaryFile
	for _, p := range want {
		if p.FilePath != "" {
			wantFiles = append(wantFiles, catalog.TemporaryFile{FilePath: p.FilePath, FileSize: p.FileSize, Expiration: exp})
		}
	}
	slices.SortFunc(wantFiles, func(a, b catalog.TemporaryFile) int { return strings.Compare(a.FilePath, b.FilePath) })
	checkTemporaryFiles(t, files, wantFiles)
	if files, err := s.ListExpiredTemporaryFiles(ctx, exp); err != nil || len(files) != 0 {
		t.Errorf("ListExpiredTemporaryFiles before the expiration = %d files, %v; want none", len(files), err)
	}
	if again, err := s.DeletePartitions(ctx, catalog.PartitionRange{End: sec(20)}, exp); err != nil || len(again) != 0 {
		t.Errorf("second DeletePartitions = %v, %v; want nothing", partitionFiles(again), err)
	}
}

func testDeletePartitionsOfInstance(t *testing.T, s catalog.Store, _ *Clock) {
	ctx := ctxFor(t)
	exp := sec(5000)
	parts := []catalog.Partition{
		partition("log_entries", "global", 0, 10, "views/g0.parquet"),
		partition("log_entries", "global", 10, 20, "views/g1.parquet"),
		partition("log_entries", "global", 20, 30, "views/g2.parquet"),
		partition("log_entries", "p1", 10, 20, "views/p1.parquet"),
		partition("measures", "global", 10, 20, "views/m1.parquet"),
	}
	for _, p := range parts {
		mustReplace(t, s, p, exp)
	}
	deleted, err := s.DeletePartitions(ctx, catalog.PartitionRange{
		ViewSetName: "log_entries", ViewInstanceID: "global", Begin: sec(10), End: sec(30),
	}, exp)
	if err != nil {
		t.Fatalf("DeletePartitions: %v", err)
	}
	if got, want := partitionFiles(deleted), []string{"views/g1.parquet", "views/g2.parquet"}; !slices.Equal(got, want) {
		t.Fatalf("deleted %v, want %v", got, want)
	}
	left := partitionFiles(mustListPartitions(t, s, catalog.PartitionFilter{}))
	if want := []string{"views/g0.parquet", "views/m1.parquet", "views/p1.parquet"}; !slices.Equal(left, want) {
		t.Fatalf("partitions left %v, want %v", left, want)
	}
	// A view set alone selects all its instances.
	deleted, err = s.DeletePartitions(ctx, catalog.PartitionRange{ViewSetName: "log_entries", End: sec(30)}, exp)
	if err != nil {
		t.Fatalf("DeletePartitions: %v", err)
	}
	if got, want := partitionFiles(deleted), []string{"views/g0.parquet", "views/p1.parquet"}; !slices.Equal(got, want) {
		t.Fatalf("deleted %v, want %v", got, want)
	}
}

func testDeletePartitionsLimit(t *testing.T, s catalog.Store, _ *Clock) {
	ctx := ctxFor(t)
	exp := sec(5000)
	// Inserted out of order: the ones ending first go first.
	for _, i := range []int{3, 0, 4, 1, 2} {
		mustReplace(t, s, partition("log_entries", "global", i*10, i*10+10, "views/"+string(rune('a'+i))+".parquet"), exp)
	}
	var batches [][]string
	for {
		deleted, err := s.DeletePartitions(ctx, catalog.PartitionRange{End: sec(40), Limit: 2}, exp)
		if err != nil {
			t.Fatalf("DeletePartitions: %v", err)
		}
		if len(deleted) == 0 {
			break
		}
		batches = append(batches, partitionFiles(deleted))
		if len(batches) > 3 {
			t.Fatalf("batches %v: the limit is not applied", batches)
		}
	}
	want := [][]string{{"views/a.parquet", "views/b.parquet"}, {"views/c.parquet", "views/d.parquet"}}
	if !slices.EqualFunc(batches, want, slices.Equal) {
		t.Fatalf("batches %v, want %v", batches, want)
	}
	if left := partitionFiles(mustListPartitions(t, s, catalog.PartitionFilter{})); !slices.Equal(left, []string{"views/e.parquet"}) {
		t.Fatalf("partitions left %v, want [views/e.parquet]", left)
	}
}
