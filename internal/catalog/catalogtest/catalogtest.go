// Package catalogtest is the conformance suite every catalog.Store
// implementation runs. It checks the behaviour the rest of the system relies
// on: idempotent inserts, filters and ordering, partition replacement,
// temporary files, API keys, round-trips of times, properties and tags,
// and concurrent use.
package catalogtest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// Run runs the conformance suite. open must return a fresh, empty store
// each time it is called, whose insert times (and partition updates) come
// from now; Run closes every store it opens (open must not register its
// own Close).
func Run(t *testing.T, open func(t *testing.T, now func() time.Time) catalog.Store) {
	t.Helper()
	newStore := func(t *testing.T, c *Clock) catalog.Store {
		t.Helper()
		s := open(t, c.Now)
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	}
	t.Run("APIKeys", func(t *testing.T) {
		c := &Clock{}
		testAPIKeys(t, newStore(t, c), c)
	})
	for _, tc := range slices.Concat(deletionTests, notebookTests) {
		t.Run(tc.name, func(t *testing.T) {
			c := &Clock{}
			tc.fn(t, newStore(t, c), c)
		})
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s catalog.Store)
	}{
		{"Ping", testPing},
		{"Processes", testProcesses},
		{"Streams", testStreams},
		{"Blocks", testBlocks},
		{"IdempotentInsert", testIdempotentInsert},
		{"NotFound", testNotFound},
		{"InvalidIDs", testInvalidIDs},
		{"BlocksBeforeStream", testBlocksBeforeStream},
		{"BlockIDConflict", testBlockIDConflict},
		{"ListBlocksFilters", testListBlocksFilters},
		{"TimePrecision", testTimePrecision},
		{"PropertiesAndTags", testPropertiesAndTags},
		{"ReplacePartitions", testReplacePartitions},
		{"ReplacePartitionsExactMatch", testReplacePartitionsExactMatch},
		{"ReplacePartitionsSuperseded", testReplacePartitionsSuperseded},
		{"ConcurrentReplacements", testConcurrentReplacements},
		{"LivePartitionFiles", testLivePartitionFiles},
		{"EmptyPartitions", testEmptyPartitions},
		{"ListPartitionsFilters", testListPartitionsFilters},
		{"ListPartitionsOrdering", testListPartitionsOrdering},
		{"TemporaryFiles", testTemporaryFiles},
		{"ConcurrentInserts", testConcurrentInserts},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t, &Clock{}))
		})
	}
}

// notebookTests check catalog.NotebookStore, which every store implements.
var notebookTests = []struct {
	name string
	fn   func(t *testing.T, s catalog.Store, c *Clock)
}{
	{"Notebooks", testNotebooks},
	{"NotebookValidation", testNotebookValidation},
	{"NotebookConcurrentSaves", testNotebookConcurrentSaves},
}

// baseTime has a nanosecond component and is not in UTC, to catch
// precision loss and time-zone handling.
var baseTime = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("CEST", 2*3600))

func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newProcess(start time.Time) catalog.Process {
	return catalog.Process{
		ProcessID:    uuid.NewString(),
		Exe:          "/usr/bin/game",
		Username:     "alice",
		Realname:     "Alice",
		Computer:     "box-1",
		Distro:       "Debian 12",
		CPUBrand:     "Xeon",
		TSCFrequency: 2_100_000_000,
		StartTime:    start,
		StartTicks:   123456,
		Properties:   map[string]string{"version": "1.2.3"},
	}
}

func newStream(processID string, tags ...string) catalog.Stream {
	return catalog.Stream{
		StreamID:             uuid.NewString(),
		ProcessID:            processID,
		DependenciesMetadata: []byte{0xa1, 0x01, 0x02},
		ObjectsMetadata:      []byte{0xb2, 0x03},
		Tags:                 tags,
		Properties:           map[string]string{"thread-name": "main"},
	}
}

func newBlock(processID, streamID string, begin time.Time) catalog.Block {
	return catalog.Block{
		BlockID:      uuid.NewString(),
		StreamID:     streamID,
		ProcessID:    processID,
		BeginTime:    begin,
		BeginTicks:   1000,
		EndTime:      begin.Add(time.Second),
		EndTicks:     2000,
		NbObjects:    42,
		ObjectOffset: 4200,
		PayloadSize:  65536,
	}
}

// sameTime reports whether got is want at microsecond precision or better:
// got must be in UTC and equal want either exactly or truncated to the
// microsecond.
func sameTime(got, want time.Time) bool {
	if want.IsZero() {
		return got.IsZero()
	}
	if got.Location() != time.UTC {
		return false
	}
	return got.Equal(want) || got.Equal(want.Truncate(time.Microsecond))
}

func checkTime(t *testing.T, field string, got, want time.Time) {
	t.Helper()
	if !sameTime(got, want) {
		t.Errorf("%s = %v (%v), want %v in UTC with at least microsecond precision", field, got, got.Location(), want)
	}
}

func mustInsertProcess(t *testing.T, s catalog.Store, p catalog.Process) {
	t.Helper()
	if err := s.InsertProcess(ctxFor(t), p); err != nil {
		t.Fatalf("InsertProcess(%s): %v", p.ProcessID, err)
	}
}

func mustInsertStream(t *testing.T, s catalog.Store, st catalog.Stream) {
	t.Helper()
	if err := s.InsertStream(ctxFor(t), st); err != nil {
		t.Fatalf("InsertStream(%s): %v", st.StreamID, err)
	}
}

func mustInsertBlock(t *testing.T, s catalog.Store, b catalog.Block) {
	t.Helper()
	if err := s.InsertBlock(ctxFor(t), b); err != nil {
		t.Fatalf("InsertBlock(%s): %v", b.BlockID, err)
	}
}

func mustListBlocks(t *testing.T, s catalog.Store, f catalog.BlockFilter) []catalog.Block {
	t.Helper()
	blocks, err := s.ListBlocks(ctxFor(t), f)
	if err != nil {
		t.Fatalf("ListBlocks(%+v): %v", f, err)
	}
	return blocks
}

func testPing(t *testing.T, s catalog.Store) {
	if err := s.Ping(ctxFor(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}
