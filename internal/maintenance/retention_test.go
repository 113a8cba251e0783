package maintenance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/lakehouse"
	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

var span = &lakehousetest.SpanSite{Name: "work", Target: "t", Module: "m", File: "f.rs", Line: 2}

// TestRetention deletes exactly what is older than the retention period,
// on each catalog: old blocks (rows and objects), the streams and
// processes they leave empty, the partitions of global and just-in-time
// views ending before the expiration time, and, once they expire, the
// files of those partitions. Queries then see only the young data.
func TestRetention(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { testRetention(t, newEnv(t, b)) })
	}
}

// retentionData is what testRetention writes.
type retentionData struct {
	oldBlocks, youngBlocks       []catalog.Block
	goneStreams, keptStreams     []string
	goneProcesses, keptProcesses []string
	kept                         *lakehousetest.Process // old process still sending
	oldHour, youngHour           time.Time              // the first hour of each age
}

// writeRetentionData writes, at old, a process whose data
// is all old (a log and a thread stream) and a long-running process (an
// old block on its log stream, an idle stream); then, now, a young block
// on the long-running process's log stream, a young empty stream of it,
// and a young process with a block and an idle stream.
func writeRetentionData(t *testing.T, e *env, old time.Time) retentionData {
	t.Helper()
	ctx := context.Background()
	d := retentionData{oldHour: old.Truncate(time.Hour)}
	proc := func(exe string, start time.Time) *lakehousetest.Process {
		p, err := e.w.NewProcess(ctx, exe, start, 0, 1000, nil)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	stream := func(p *lakehousetest.Process, kind string) *lakehousetest.Stream {
		s, err := e.w.NewStream(ctx, p, kind, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	write := func(s *lakehousetest.Stream, blk *lakehousetest.Block, ticks int64) catalog.Block {
		b, err := e.w.WriteBlock(ctx, s, blk, ticks, ticks+10, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	logBlock := func(msg string) *lakehousetest.Block {
		b := lakehousetest.NewBlock()
		b.LogString(site, 1, msg)
		return b
	}

	e.clock.Set(old)
	gone := proc("gone", old)
	goneLog, goneCPU := stream(gone, lakehousetest.KindLog), stream(gone, lakehousetest.KindCPU)
	spans := lakehousetest.NewBlock()
	spans.BeginSpan(span, 2)
	spans.EndSpan(span, 5)
	d.kept = proc("kept", old)
	keptLog, keptIdle := stream(d.kept, lakehousetest.KindLog), stream(d.kept, lakehousetest.KindLog)
	d.oldBlocks = []catalog.Block{
		write(goneLog, logBlock("gone-old"), 0), write(goneCPU, spans, 0), write(keptLog, logBlock("kept-old"), 0),
	}

	e.clock.Set(time.Time{}) // the real time from here on
	now := time.Now()
	d.youngHour = now.Truncate(time.Hour)
	ticks := now.Sub(old).Milliseconds()
	keptNew := stream(d.kept, lakehousetest.KindLog)
	young := proc("young", now)
	youngLog, youngIdle := stream(young, lakehousetest.KindLog), stream(young, lakehousetest.KindLog)
	d.youngBlocks = []catalog.Block{write(keptLog, logBlock("kept-young"), ticks), write(youngLog, logBlock("young"), 0)}

	d.goneStreams = []string{goneLog.StreamID, goneCPU.StreamID, keptIdle.StreamID}
	d.keptStreams = []string{keptLog.StreamID, keptNew.StreamID, youngLog.StreamID, youngIdle.StreamID}
	d.goneProcesses = []string{gone.ProcessID}
	d.keptProcesses = []string{d.kept.ProcessID, young.ProcessID}
	return d
}

func testRetention(t *testing.T, e *env) {
	ctx := context.Background()
	data := writeRetentionData(t, e, time.Now().Add(-100*24*time.Hour))
	// Now is after the young rows were inserted: they are younger than
	// now, not than the expiration time.
	now := time.Now().UTC().Truncate(time.Microsecond).Add(time.Microsecond)
	expiration := now.Add(-DefaultRetention)

	// Partitions: the global views for both hours, and just-in-time
	// partitions made by queries.
	for _, v := range lakehouse.MaterializedViews() {
		for _, r := range [][2]time.Time{
			{data.oldHour, data.oldHour.Add(time.Hour)},
			{data.youngHour, now.Truncate(time.Hour).Add(time.Hour)},
		} {
			if _, err := e.lake.MaterializeRange(ctx, v.Name, r[0], r[1], time.Hour); err != nil {
				t.Fatal(err)
			}
		}
	}
	keptMsgs := fmt.Sprintf(`SELECT msg FROM view_instance('log_entries', '%s') ORDER BY msg`, data.kept.ProcessID)
	if got := e.rows(t, keptMsgs); !slices.Equal(got, []string{"kept-old", "kept-young"}) {
		t.Fatalf("before retention, the long-running process logged %v", got)
	}
	cpu := data.oldBlocks[1].StreamID
	if n := e.count(t, fmt.Sprintf(`SELECT count(*) FROM view_instance('thread_spans', '%s') WHERE name = 'work'`, cpu)); n != 1 {
		t.Fatalf("before retention: %d spans, want 1", n)
	}
	if got := e.rows(t, `SELECT msg FROM log_entries ORDER BY msg`); len(got) != 4 {
		t.Fatalf("before retention: log entries %v, want 4", got)
	}
	var oldParts, youngParts []catalog.Partition
	all, err := e.store.ListPartitions(ctx, catalog.PartitionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	jit := 0
	for _, p := range all {
		if p.EndInsertTime.After(expiration) {
			youngParts = append(youngParts, p)
			continue
		}
		oldParts = append(oldParts, p)
		if p.ViewInstanceID != lakehouse.GlobalInstance {
			jit++
		}
	}
	if jit != 2 || len(oldParts) < 4 || len(youngParts) < 3 {
		t.Fatalf("%d old partitions (%d just in time) and %d young: want global and just-in-time ones of each age",
			len(oldParts), jit, len(youngParts))
	}
	oldFiles := partitionFiles(oldParts)

	d, err := New(Options{Lake: e.lake, Catalog: e.store, Blobs: e.blobs, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.Retain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := RetentionReport{Blocks: 3, Streams: 3, Processes: 1, Partitions: int64(len(oldParts))}
	if r != want {
		t.Fatalf("report %+v, want %+v", r, want)
	}

	// Catalog rows.
	blocks, err := e.store.ListBlocks(ctx, catalog.BlockFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := blockIDs(blocks), blockIDs(data.youngBlocks); !slices.Equal(sorted(got), sorted(want)) {
		t.Errorf("blocks left %v, want the young ones %v", got, want)
	}
	for _, c := range []struct {
		what   string
		ids    []string
		exists bool
		get    func(id string) error
	}{
		{"old stream", data.goneStreams, false, func(id string) error { _, err := e.store.GetStream(ctx, id); return err }},
		{"stream", data.keptStreams, true, func(id string) error { _, err := e.store.GetStream(ctx, id); return err }},
		{"old process", data.goneProcesses, false, func(id string) error { _, err := e.store.GetProcess(ctx, id); return err }},
		{"process", data.keptProcesses, true, func(id string) error { _, err := e.store.GetProcess(ctx, id); return err }},
	} {
		for _, id := range c.ids {
			err := c.get(id)
			if c.exists && err != nil {
				t.Errorf("%s %s: %v, want kept", c.what, id, err)
			}
			if !c.exists && !errors.Is(err, catalog.ErrNotFound) {
				t.Errorf("%s %s: %v, want deleted", c.what, id, err)
			}
		}
	}
	left, err := e.store.ListPartitions(ctx, catalog.PartitionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := partitionKeys(left), partitionKeys(youngParts); !slices.Equal(got, want) {
		t.Errorf("partitions left %v, want the young ones %v", got, want)
	}

	// Objects: old blocks gone; the files of deleted partitions stay for
	// queries in flight, scheduled to go in an hour.
	checkObjects(t, e, blockKeys(data.oldBlocks), false)
	checkObjects(t, e, blockKeys(data.youngBlocks), true)
	checkObjects(t, e, oldFiles, true)
	checkObjects(t, e, partitionFiles(youngParts), true)
	if files, err := e.store.ListExpiredTemporaryFiles(ctx, now.Add(time.Hour)); err != nil || len(files) != 0 {
		t.Errorf("temporary files expired within the hour: %v, %v; want none", files, err)
	}
	files, err := e.store.ListExpiredTemporaryFiles(ctx, now.Add(time.Hour+time.Microsecond))
	if err != nil {
		t.Fatal(err)
	}
	var scheduled []string
	for _, f := range files {
		scheduled = append(scheduled, f.FilePath)
	}
	if !slices.Equal(sorted(scheduled), sorted(oldFiles)) {
		t.Errorf("temporary files %v, want the files of the deleted partitions %v", scheduled, oldFiles)
	}

	// Queries see only the young data.
	checkYoungQueries(t, e, data)

	// An hour later the files of the deleted partitions go, and nothing
	// else does.
	d.opts.Now = func() time.Time { return now.Add(time.Hour + time.Second) }
	r, err = d.Retain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (RetentionReport{TemporaryFiles: int64(len(oldFiles))}); r != want {
		t.Fatalf("second pass %+v, want %+v", r, want)
	}
	checkObjects(t, e, oldFiles, false)
	checkObjects(t, e, partitionFiles(youngParts), true)
	checkObjects(t, e, blockKeys(data.youngBlocks), true)
	if files, err := e.store.ListExpiredTemporaryFiles(ctx, now.Add(24*time.Hour)); err != nil || len(files) != 0 {
		t.Errorf("temporary files after the second pass: %v, %v; want none", files, err)
	}
	checkYoungQueries(t, e, data)
}

func checkYoungQueries(t *testing.T, e *env, data retentionData) {
	t.Helper()
	if got := e.rows(t, `SELECT msg FROM log_entries ORDER BY msg`); !slices.Equal(got, []string{"kept-young", "young"}) {
		t.Errorf("log entries %v, want the young ones", got)
	}
	keptMsgs := fmt.Sprintf(`SELECT msg FROM view_instance('log_entries', '%s') ORDER BY msg`, data.kept.ProcessID)
	if got := e.rows(t, keptMsgs); !slices.Equal(got, []string{"kept-young"}) {
		t.Errorf("the long-running process logged %v, want [kept-young]", got)
	}
	got := e.rows(t, `SELECT block_id FROM blocks ORDER BY block_id`)
	if want := sorted(blockIDs(data.youngBlocks)); !slices.Equal(got, want) {
		t.Errorf("blocks view %v, want %v", got, want)
	}
}

// checkObjects checks that each key exists, or not.
func checkObjects(t *testing.T, e *env, keys []string, exist bool) {
	t.Helper()
	for _, k := range keys {
		_, err := e.blobs.Size(context.Background(), k)
		switch {
		case exist && err != nil:
			t.Errorf("object %s: %v, want it kept", k, err)
		case !exist && !errors.Is(err, blobstore.ErrNotFound):
			t.Errorf("object %s: %v, want it deleted", k, err)
		}
	}
}

func blockIDs(blocks []catalog.Block) []string {
	out := make([]string, len(blocks))
	for i, b := range blocks {
		out[i] = b.BlockID
	}
	return out
}

func blockKeys(blocks []catalog.Block) []string {
	out := make([]string, len(blocks))
	for i, b := range blocks {
		out[i] = blobstore.BlockKey(b.ProcessID, b.StreamID, b.BlockID)
	}
	return out
}

// partitionFiles returns the files of the partitions that have one.
func partitionFiles(parts []catalog.Partition) []string {
	var out []string
	for _, p := range parts {
		if p.FilePath != "" {
			out = append(out, p.FilePath)
		}
	}
	return out
}

func partitionKeys(parts []catalog.Partition) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = fmt.Sprintf("%s/%s [%s, %s) %q", p.ViewSetName, p.ViewInstanceID,
			p.BeginInsertTime.Format(time.RFC3339Nano), p.EndInsertTime.Format(time.RFC3339Nano), p.FilePath)
	}
	return sorted(out)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
