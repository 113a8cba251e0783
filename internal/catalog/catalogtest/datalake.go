package catalogtest

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

func checkProcess(t *testing.T, got, want catalog.Process) {
	t.Helper()
	if got.ProcessID != want.ProcessID || got.Exe != want.Exe || got.Username != want.Username ||
		got.Realname != want.Realname || got.Computer != want.Computer || got.Distro != want.Distro ||
		got.CPUBrand != want.CPUBrand || got.TSCFrequency != want.TSCFrequency ||
		got.StartTicks != want.StartTicks || got.ParentProcessID != want.ParentProcessID {
		t.Errorf("process = %+v, want %+v", got, want)
	}
	checkTime(t, "StartTime", got.StartTime, want.StartTime)
	if got.Properties == nil || !maps.Equal(got.Properties, want.Properties) {
		t.Errorf("Properties = %#v, want %#v (non-nil)", got.Properties, want.Properties)
	}
	if got.InsertTime.IsZero() || got.InsertTime.Location() != time.UTC {
		t.Errorf("InsertTime = %v, want a UTC time set by the store", got.InsertTime)
	}
}

func checkStream(t *testing.T, got, want catalog.Stream) {
	t.Helper()
	wantFormat := want.Format
	if wantFormat == "" {
		wantFormat = catalog.DefaultStreamFormat
	}
	if got.StreamID != want.StreamID || got.ProcessID != want.ProcessID || got.Format != wantFormat ||
		!bytes.Equal(got.DependenciesMetadata, want.DependenciesMetadata) ||
		!bytes.Equal(got.ObjectsMetadata, want.ObjectsMetadata) {
		t.Errorf("stream = %+v, want %+v (format %q)", got, want, wantFormat)
	}
	if got.Tags == nil || !slices.Equal(got.Tags, want.Tags) {
		t.Errorf("Tags = %#v, want %#v (non-nil)", got.Tags, want.Tags)
	}
	if got.Properties == nil || !maps.Equal(got.Properties, want.Properties) {
		t.Errorf("Properties = %#v, want %#v (non-nil)", got.Properties, want.Properties)
	}
	if got.InsertTime.IsZero() || got.InsertTime.Location() != time.UTC {
		t.Errorf("InsertTime = %v, want a UTC time set by the store", got.InsertTime)
	}
}

func checkBlock(t *testing.T, got, want catalog.Block) {
	t.Helper()
	if got.BlockID != want.BlockID || got.StreamID != want.StreamID || got.ProcessID != want.ProcessID ||
		got.BeginTicks != want.BeginTicks || got.EndTicks != want.EndTicks || got.NbObjects != want.NbObjects ||
		got.ObjectOffset != want.ObjectOffset || got.PayloadSize != want.PayloadSize {
		t.Errorf("block = %+v, want %+v", got, want)
	}
	checkTime(t, "BeginTime", got.BeginTime, want.BeginTime)
	checkTime(t, "EndTime", got.EndTime, want.EndTime)
	if got.InsertTime.IsZero() || got.InsertTime.Location() != time.UTC {
		t.Errorf("InsertTime = %v, want a UTC time set by the store", got.InsertTime)
	}
}

func testProcesses(t *testing.T, s catalog.Store) {
	ctx := ctxFor(t)
	parent := newProcess(baseTime.Add(3 * time.Hour))
	child := newProcess(baseTime.Add(1 * time.Hour))
	child.ParentProcessID = parent.ProcessID
	child.Exe = "/usr/bin/child"
	middle := newProcess(baseTime.Add(2 * time.Hour))
	for _, p := range []catalog.Process{parent, child, middle} {
		mustInsertProcess(t, s, p)
	}
	got, err := s.GetProcess(ctx, child.ProcessID)
	if err != nil {
		t.Fatalf("GetProcess: %v", err)
	}
	checkProcess(t, got, child)
	before := time.Now().Add(-time.Minute)
	if got.InsertTime.Before(before) || got.InsertTime.After(time.Now().Add(time.Minute)) {
		t.Errorf("InsertTime = %v, want close to now", got.InsertTime)
	}

	list, err := s.ListProcesses(ctx)
	if err != nil {
		t.Fatalf("ListProcesses: %v", err)
	}
	want := []catalog.Process{child, middle, parent} // by start time
	if len(list) != len(want) {
		t.Fatalf("ListProcesses returned %d processes, want %d", len(list), len(want))
	}
	for i := range want {
		checkProcess(t, list[i], want[i])
	}
}

func testStreams(t *testing.T, s catalog.Store) {
	ctx := ctxFor(t)
	p := newProcess(baseTime)
	other := newProcess(baseTime)
	mustInsertProcess(t, s, p)
	mustInsertProcess(t, s, other)
	first := newStream(p.ProcessID, "log")
	second := newStream(p.ProcessID, "cpu")
	second.Format = "otlp/v1/traces"
	second.DependenciesMetadata = nil
	third := newStream(other.ProcessID, "metrics")
	for _, st := range []catalog.Stream{first, second, third} {
		mustInsertStream(t, s, st)
		time.Sleep(2 * time.Millisecond) // distinct insert times
	}
	got, err := s.GetStream(ctx, second.StreamID)
	if err != nil {
		t.Fatalf("GetStream: %v", err)
	}
	checkStream(t, got, second)

	list, err := s.ListStreams(ctx, p.ProcessID)
	if err != nil {
		t.Fatalf("ListStreams: %v", err)
	}
	if len(list) != 2 {
		t.Fatalf("ListStreams returned %d streams, want 2", len(list))
	}
	checkStream(t, list[0], first)
	checkStream(t, list[1], second)
	if !list[0].InsertTime.Before(list[1].InsertTime) {
		t.Errorf("streams not ordered by insert time: %v then %v", list[0].InsertTime, list[1].InsertTime)
	}
	none, err := s.ListStreams(ctx, uuid.NewString())
	if err != nil || len(none) != 0 {
		t.Errorf("ListStreams(unknown process) = %v, %v; want none", none, err)
	}
}

func testBlocks(t *testing.T, s catalog.Store) {
	p := newProcess(baseTime)
	st := newStream(p.ProcessID, "log")
	mustInsertProcess(t, s, p)
	mustInsertStream(t, s, st)
	b := newBlock(p.ProcessID, st.StreamID, baseTime)
	mustInsertBlock(t, s, b)
	got := mustListBlocks(t, s, catalog.BlockFilter{StreamID: st.StreamID})
	if len(got) != 1 {
		t.Fatalf("ListBlocks returned %d blocks, want 1", len(got))
	}
	checkBlock(t, got[0], b)
}

func testIdempotentInsert(t *testing.T, s catalog.Store) {
	ctx := ctxFor(t)
	p := newProcess(baseTime)
	st := newStream(p.ProcessID, "log")
	b := newBlock(p.ProcessID, st.StreamID, baseTime)
	// Identical retries and conflicting re-inserts are both no-ops: the
	// first row wins.
	for i := range 3 {
		p2, st2, b2 := p, st, b
		if i == 2 {
			p2.Exe, st2.Tags, b2.PayloadSize = "changed", []string{"changed"}, 1
		}
		if err := s.InsertProcess(ctx, p2); err != nil {
			t.Fatalf("InsertProcess #%d: %v", i, err)
		}
		if err := s.InsertStream(ctx, st2); err != nil {
			t.Fatalf("InsertStream #%d: %v", i, err)
		}
		if err := s.InsertBlock(ctx, b2); err != nil {
			t.Fatalf("InsertBlock #%d: %v", i, err)
		}
	}
	procs, err := s.ListProcesses(ctx)
	if err != nil || len(procs) != 1 {
		t.Fatalf("ListProcesses = %d processes, %v; want 1", len(procs), err)
	}
	checkProcess(t, procs[0], p)
	streams, err := s.ListStreams(ctx, p.ProcessID)
	if err != nil || len(streams) != 1 {
		t.Fatalf("ListStreams = %d streams, %v; want 1", len(streams), err)
	}
	checkStream(t, streams[0], st)
	blocks := mustListBlocks(t, s, catalog.BlockFilter{})
	if len(blocks) != 1 {
		t.Fatalf("ListBlocks = %d blocks, want 1", len(blocks))
	}
	checkBlock(t, blocks[0], b)

	// An upper-case id is the same id.
	upper := p
	upper.ProcessID = strings.ToUpper(p.ProcessID)
	if err := s.InsertProcess(ctx, upper); err != nil {
		t.Fatalf("InsertProcess(upper-case id): %v", err)
	}
	if procs, _ := s.ListProcesses(ctx); len(procs) != 1 {
		t.Errorf("upper-case id created a second process: %d processes", len(procs))
	}
	if _, err := s.GetProcess(ctx, upper.ProcessID); err != nil {
		t.Errorf("GetProcess(upper-case id): %v", err)
	}
}

func testNotFound(t *testing.T, s catalog.Store) {
	ctx := ctxFor(t)
	if _, err := s.GetProcess(ctx, uuid.NewString()); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("GetProcess(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := s.GetStream(ctx, uuid.NewString()); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("GetStream(unknown) error = %v, want ErrNotFound", err)
	}
}

func testInvalidIDs(t *testing.T, s catalog.Store) {
	ctx := ctxFor(t)
	good := uuid.NewString()
	badProcess := newProcess(baseTime)
	badProcess.ProcessID = "not-a-uuid"
	badParent := newProcess(baseTime)
	badParent.ParentProcessID = "nope"
	badStream := newStream("x")
	badBlock := newBlock(good, good, baseTime)
	badBlock.BlockID = ""
	cases := []struct {
		name string
		call func() error
	}{
		{"InsertProcess", func() error { return s.InsertProcess(ctx, badProcess) }},
		{"InsertProcessParent", func() error { return s.InsertProcess(ctx, badParent) }},
		{"InsertStream", func() error { return s.InsertStream(ctx, badStream) }},
		{"InsertBlock", func() error { return s.InsertBlock(ctx, badBlock) }},
		{"GetProcess", func() error { _, err := s.GetProcess(ctx, "bad"); return err }},
		{"GetStream", func() error { _, err := s.GetStream(ctx, "bad"); return err }},
		{"ListStreams", func() error { _, err := s.ListStreams(ctx, "bad"); return err }},
		{"ListBlocks", func() error { _, err := s.ListBlocks(ctx, catalog.BlockFilter{ProcessID: "bad"}); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, catalog.ErrInvalidID) {
				t.Errorf("error = %v, want ErrInvalidID", err)
			}
		})
	}
}

func testBlocksBeforeStream(t *testing.T, s catalog.Store) {
	ctx := ctxFor(t)
	p := newProcess(baseTime)
	st := newStream(p.ProcessID, "log")
	b := newBlock(p.ProcessID, st.StreamID, baseTime)
	mustInsertBlock(t, s, b) // neither stream nor process exist yet
	if got := mustListBlocks(t, s, catalog.BlockFilter{StreamID: st.StreamID}); len(got) != 1 {
		t.Fatalf("ListBlocks(stream) = %d blocks, want the orphan block", len(got))
	}
	if got := mustListBlocks(t, s, catalog.BlockFilter{Tag: "log"}); len(got) != 0 {
		t.Fatalf("ListBlocks(tag) = %d blocks before the stream exists, want 0", len(got))
	}
	mustInsertStream(t, s, st)
	mustInsertProcess(t, s, p)
	got := mustListBlocks(t, s, catalog.BlockFilter{Tag: "log"})
	if len(got) != 1 {
		t.Fatalf("ListBlocks(tag) = %d blocks after the stream arrived, want 1", len(got))
	}
	checkBlock(t, got[0], b)
	if _, err := s.GetProcess(ctx, p.ProcessID); err != nil {
		t.Errorf("GetProcess: %v", err)
	}
}
