package catalogtest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// partT0 is the origin of the insert ranges used by the partition tests.
var partT0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func sec(i int) time.Time { return partT0.Add(time.Duration(i) * time.Second) }

var (
	schemaA = []byte{1}
	schemaB = []byte{2}
)

// partition builds a partition of viewSet/instance over [sec(b), sec(e)).
// An empty file makes an empty partition (no rows, no file).
func partition(viewSet, instance string, b, e int, file string) catalog.Partition {
	p := catalog.Partition{
		ViewSetName:     viewSet,
		ViewInstanceID:  instance,
		BeginInsertTime: sec(b),
		EndInsertTime:   sec(e),
		Updated:         sec(1000).Add(123 * time.Microsecond),
		FileSchemaHash:  schemaA,
		SourceDataHash:  []byte{byte(e - b), 0, 0, 0, 0, 0, 0, 0},
	}
	if file != "" {
		p.FilePath = file
		p.FileSize = int64(len(file)) * 100
		p.NumRows = int64(e-b) * 10
		p.MinEventTime = sec(b).Add(-time.Minute)
		p.MaxEventTime = sec(e).Add(time.Minute)
	}
	return p
}

func checkPartition(t *testing.T, got, want catalog.Partition) {
	t.Helper()
	if got.ViewSetName != want.ViewSetName || got.ViewInstanceID != want.ViewInstanceID ||
		got.FilePath != want.FilePath || got.FileSize != want.FileSize || got.NumRows != want.NumRows ||
		!bytes.Equal(got.FileSchemaHash, want.FileSchemaHash) || !bytes.Equal(got.SourceDataHash, want.SourceDataHash) {
		t.Errorf("partition = %+v, want %+v", got, want)
	}
	checkTime(t, "BeginInsertTime", got.BeginInsertTime, want.BeginInsertTime)
	checkTime(t, "EndInsertTime", got.EndInsertTime, want.EndInsertTime)
	checkTime(t, "MinEventTime", got.MinEventTime, want.MinEventTime)
	checkTime(t, "MaxEventTime", got.MaxEventTime, want.MaxEventTime)
	checkTime(t, "Updated", got.Updated, want.Updated)
}

func partitionFiles(parts []catalog.Partition) []string {
	files := make([]string, len(parts))
	for i, p := range parts {
		files[i] = p.FilePath
		if p.FilePath == "" {
			files[i] = fmt.Sprintf("<empty %s..%s>", p.BeginInsertTime.Format(time.TimeOnly), p.EndInsertTime.Format(time.TimeOnly))
		}
	}
	return files
}

func mustReplace(t *testing.T, s catalog.Store, p catalog.Partition, expiration time.Time) []catalog.Partition {
	t.Helper()
	retired, err := s.ReplacePartitions(ctxFor(t), p, expiration)
	if err != nil {
		t.Fatalf("ReplacePartitions(%s %s %v..%v): %v", p.ViewSetName, p.ViewInstanceID, p.BeginInsertTime, p.EndInsertTime, err)
	}
	return retired
}

func mustListPartitions(t *testing.T, s catalog.Store, f catalog.PartitionFilter) []catalog.Partition {
	t.Helper()
	parts, err := s.ListPartitions(ctxFor(t), f)
	if err != nil {
		t.Fatalf("ListPartitions(%+v): %v", f, err)
	}
	return parts
}

func testReplacePartitions(t *testing.T, s catalog.Store) {
	exp := sec(5000)
	a0 := partition("log_entries", "global", 0, 1, "views/a0.parquet")
	a1 := partition("log_entries", "global", 1, 2, "views/a1.parquet")
	a2 := partition("log_entries", "global", 2, 3, "") // empty
	wide := partition("log_entries", "global", 3, 5, "views/wide.parquet")
	other := partition("log_entries", "other", 0, 1, "views/other.parquet")
	otherSet := partition("measures", "global", 0, 1, "views/m.parquet")
	// wide goes first: inserting a2 or merged afterwards must not retire
	// it, since it ends outside their ranges.
	for _, p := range []catalog.Partition{wide, a0, a1, a2, other, otherSet} {
		if retired := mustReplace(t, s, p, exp); len(retired) != 0 {
			t.Fatalf("inserting %s retired %v, want none", p.FilePath, partitionFiles(retired))
		}
	}
	global := catalog.PartitionFilter{ViewSetName: "log_entries", ViewInstanceID: "global"}
	if got := partitionFiles(mustListPartitions(t, s, global)); len(got) != 4 {
		t.Fatalf("before merge: %v, want 4 partitions", got)
	}

	merged := partition("log_entries", "global", 0, 3, "views/merged.parquet")
	retired := mustReplace(t, s, merged, exp)
	if got, want := partitionFiles(retired), partitionFiles([]catalog.Partition{a0, a1, a2}); !slices.Equal(got, want) {
		t.Fatalf("retired %v, want %v", got, want)
	}
	for i, want := range []catalog.Partition{a0, a1, a2} {
		checkPartition(t, retired[i], want)
	}
	got := mustListPartitions(t, s, global)
	if files, want := partitionFiles(got), []string{merged.FilePath, wide.FilePath}; !slices.Equal(files, want) {
		t.Fatalf("after merge: %v, want %v", files, want)
	}
	checkPartition(t, got[0], merged)
	checkPartition(t, got[1], wide)
	for _, f := range []catalog.PartitionFilter{
		{ViewSetName: "log_entries", ViewInstanceID: "other"},
		{ViewSetName: "measures", ViewInstanceID: "global"},
	} {
		if n := len(mustListPartitions(t, s, f)); n != 1 {
			t.Errorf("ListPartitions(%+v) = %d partitions, want 1 (untouched)", f, n)
		}
	}
	if n := len(mustListPartitions(t, s, catalog.PartitionFilter{})); n != 4 {
		t.Errorf("ListPartitions(all) = %d partitions, want 4", n)
	}
	if n := len(mustListPartitions(t, s, catalog.PartitionFilter{ViewSetName: "log_entries"})); n != 3 {
		t.Errorf("ListPartitions(view set) = %d partitions, want 3", n)
	}

	// The files of retired partitions (not the empty one) wait in
	// temporary_files until the expiration.
	files, err := s.ListExpiredTemporaryFiles(ctxFor(t), exp.Add(time.Second))
	if err != nil {
		t.Fatalf("ListExpiredTemporaryFiles: %v", err)
	}
	want := []catalog.TemporaryFile{
		{FilePath: a0.FilePath, FileSize: a0.FileSize, Expiration: exp},
		{FilePath: a1.FilePath, FileSize: a1.FileSize, Expiration: exp},
	}
	checkTemporaryFiles(t, files, want)

	// Replacing with an identical range retires the previous version.
	again := merged
	again.FilePath = "views/merged-v2.parquet"
	retired = mustReplace(t, s, again, exp)
	if files := partitionFiles(retired); !slices.Equal(files, []string{merged.FilePath}) {
		t.Errorf("re-materialization retired %v, want [%s]", files, merged.FilePath)
	}
}

func testReplacePartitionsExactMatch(t *testing.T, s catalog.Store) {
	exp := sec(5000)
	// JIT partitions may have begin == end (a single block).
	point := partition("thread_spans", "s1", 10, 10, "views/point.parquet")
	after := partition("thread_spans", "s1", 10, 11, "views/after.parquet")
	before := partition("thread_spans", "s1", 9, 10, "views/before.parquet")
	for _, p := range []catalog.Partition{after, before, point} {
		if retired := mustReplace(t, s, p, exp); len(retired) != 0 {
			t.Fatalf("inserting %s retired %v, want none", p.FilePath, partitionFiles(retired))
		}
	}
	point2 := point
	point2.FilePath = "views/point2.parquet"
	retired := mustReplace(t, s, point2, exp)
	if files := partitionFiles(retired); !slices.Equal(files, []string{point.FilePath}) {
		t.Fatalf("retired %v, want only the exact match [%s]", files, point.FilePath)
	}
	got := partitionFiles(mustListPartitions(t, s, catalog.PartitionFilter{ViewSetName: "thread_spans", ViewInstanceID: "s1"}))
	if want := []string{before.FilePath, after.FilePath, point2.FilePath}; !slices.Equal(got, want) {
		t.Errorf("partitions = %v, want %v", got, want)
	}
}

func testEmptyPartitions(t *testing.T, s catalog.Store) {
	empty := partition("log_entries", "global", 0, 60, "")
	mustReplace(t, s, empty, sec(5000))
	got := mustListPartitions(t, s, catalog.PartitionFilter{ViewSetName: "log_entries", ViewInstanceID: "global"})
	if len(got) != 1 {
		t.Fatalf("ListPartitions = %d partitions, want 1", len(got))
	}
	checkPartition(t, got[0], empty)
	if !got[0].MinEventTime.IsZero() || !got[0].MaxEventTime.IsZero() || got[0].FilePath != "" || got[0].NumRows != 0 {
		t.Errorf("empty partition = %+v, want zero event times, no file, no rows", got[0])
	}
	// A zero Updated is set by the store.
	noUpdate := partition("log_entries", "global", 60, 120, "views/x.parquet")
	noUpdate.Updated = time.Time{}
	mustReplace(t, s, noUpdate, sec(5000))
	got = mustListPartitions(t, s, catalog.PartitionFilter{ViewSetName: "log_entries", ViewInstanceID: "global"})
	if len(got) != 2 || got[1].Updated.IsZero() || time.Since(got[1].Updated) > time.Minute {
		t.Errorf("partitions = %+v, want the second one with Updated set to now", got)
	}
}

// testReplacePartitionsSuperseded: a partition that one with rows
// overlaps without lying within its range is refused, whatever the order
// in which two writers commit; its file is scheduled for deletion.
func testReplacePartitionsSuperseded(t *testing.T, s catalog.Store) {
	exp := sec(5000)
	global := catalog.PartitionFilter{ViewSetName: "log_entries", ViewInstanceID: "global"}
	minute := partition("log_entries", "global", 0, 60, "views/minute.parquet")
	mustReplace(t, s, minute, exp)
	cases := []struct {
		name       string
		p          catalog.Partition
		superseded bool
	}{
		{"second inside a minute", partition("log_entries", "global", 10, 11, "views/second.parquet"), true},
		{"straddling the minute's end", partition("log_entries", "global", 59, 61, "views/straddle.parquet"), true},
		{"empty, inside", partition("log_entries", "global", 20, 21, ""), true},
		{"after the minute", partition("log_entries", "global", 60, 61, "views/next.parquet"), false},
		{"another schema", withSchema(partition("log_entries", "global", 30, 31, "views/schema-b.parquet"), schemaB), false},
		{"another instance", partition("log_entries", "p1", 10, 11, "views/p1.parquet"), false},
	}
	for _, c := range cases {
		retired, err := s.ReplacePartitions(ctxFor(t), c.p, exp)
		if got := errors.Is(err, catalog.ErrSuperseded); got != c.superseded || (err != nil && !got) {
			t.Errorf("%s: ReplacePartitions = %v, want superseded %v", c.name, err, c.superseded)
		}
		if c.superseded && len(retired) != 0 {
			t.Errorf("%s: a superseded replacement retired %v", c.name, partitionFiles(retired))
		}
	}
	got := partitionFiles(mustListPartitions(t, s, global))
	if want := []string{"views/minute.parquet", "views/schema-b.parquet", "views/next.parquet"}; !slices.Equal(got, want) {
		t.Errorf("partitions = %v, want %v", got, want)
	}
	files, err := s.ListExpiredTemporaryFiles(ctxFor(t), exp.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.FilePath)
	}
	if want := []string{"views/second.parquet", "views/straddle.parquet"}; !slices.Equal(paths, want) {
		t.Errorf("temporary files = %v, want the refused files %v", paths, want)
	}
	// An empty partition that overlaps does not block: it holds no row to
	// count twice.
	mustReplace(t, s, partition("log_entries", "e", 0, 60, ""), exp)
	mustReplace(t, s, partition("log_entries", "e", 10, 11, "views/e-second.parquet"), exp)
	// A larger range retires what lies within it, as before (any schema).
	retired := mustReplace(t, s, partition("log_entries", "global", 0, 120, "views/two-minutes.parquet"), exp)
	if got, want := partitionFiles(retired), []string{"views/minute.parquet", "views/schema-b.parquet", "views/next.parquet"}; !slices.Equal(got, want) {
		t.Errorf("the two-minute partition retired %v, want %v", got, want)
	}
}

func withSchema(p catalog.Partition, schema []byte) catalog.Partition {
	p.FileSchemaHash = schema
	return p
}

// testConcurrentReplacements has writers commit partitions of the
// compaction hierarchy (seconds, the minute, two halves) of one instance
// at once, as two daemons and two analytics nodes do: at every moment
// the partitions with rows never overlap.
func testConcurrentReplacements(t *testing.T, s catalog.Store) {
	exp := sec(5000)
	ranges := [][2]int{{0, 60}, {0, 30}, {30, 60}}
	for i := 0; i < 60; i++ {
		ranges = append(ranges, [2]int{i, i + 1})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(ranges))
	for w := 0; w < 4; w++ {
		wg.Go(func() {
			for i := range ranges {
				r := ranges[(i*7+w*13)%len(ranges)]
				p := partition("log_entries", "global", r[0], r[1], fmt.Sprintf("views/w%d-%d-%d.parquet", w, r[0], r[1]))
				if _, err := s.ReplacePartitions(ctxFor(t), p, exp); err != nil && !errors.Is(err, catalog.ErrSuperseded) {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("ReplacePartitions: %v", err)
	}
	parts := mustListPartitions(t, s, catalog.PartitionFilter{ViewSetName: "log_entries", ViewInstanceID: "global"})
	covered := 0
	for i, p := range parts {
		if i > 0 && p.BeginInsertTime.Before(parts[i-1].EndInsertTime) {
			t.Errorf("partitions overlap: [%v, %v) and [%v, %v)", parts[i-1].BeginInsertTime, parts[i-1].EndInsertTime, p.BeginInsertTime, p.EndInsertTime)
		}
		covered += int(p.EndInsertTime.Sub(p.BeginInsertTime) / time.Second)
	}
	if covered > 60 {
		t.Errorf("partitions cover %d s of a 60 s range", covered)
	}
}

// testLivePartitionFiles: the files of partitions that exist are live;
// those of retired partitions and unknown paths are not.
func testLivePartitionFiles(t *testing.T, s catalog.Store) {
	exp := sec(5000)
	mustReplace(t, s, partition("log_entries", "global", 0, 1, "views/s0.parquet"), exp)
	mustReplace(t, s, partition("log_entries", "global", 1, 2, "views/s1.parquet"), exp)
	mustReplace(t, s, partition("measures", "p1", 0, 1, "views/m.parquet"), exp)
	mustReplace(t, s, partition("log_entries", "global", 0, 2, "views/merged.parquet"), exp) // retires s0, s1
	paths := []string{"views/s0.parquet", "views/m.parquet", "views/s1.parquet", "views/merged.parquet"}
	for i := range 1200 { // more than one statement's worth of parameters
		paths = append(paths, fmt.Sprintf("views/unknown-%04d.parquet", i))
	}
	got, err := s.LivePartitionFiles(ctxFor(t), paths)
	if err != nil {
		t.Fatalf("LivePartitionFiles: %v", err)
	}
	if want := []string{"views/m.parquet", "views/merged.parquet"}; !slices.Equal(got, want) {
		t.Errorf("LivePartitionFiles = %v, want %v", got, want)
	}
	if got, err := s.LivePartitionFiles(ctxFor(t), nil); err != nil || len(got) != 0 {
		t.Errorf("LivePartitionFiles(nil) = %v, %v; want nothing", got, err)
	}
}
