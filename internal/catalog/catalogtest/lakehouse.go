package catalogtest

import (
	"slices"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

func testListPartitionsFilters(t *testing.T, s catalog.Store) {
	mk := func(b, e int, file string, minEv, maxEv int, schema []byte) catalog.Partition {
		p := partition("log_entries", "global", b, e, file)
		p.FileSchemaHash = schema
		if file != "" {
			p.MinEventTime, p.MaxEventTime = sec(minEv), sec(maxEv)
		}
		return p
	}
	early := mk(0, 1, "views/early.parquet", 100, 200, schemaA)
	mid := mk(1, 2, "views/mid.parquet", 150, 300, schemaA)
	late := mk(2, 3, "views/late.parquet", 400, 500, schemaA)
	empty := mk(3, 4, "", 0, 0, schemaA)
	newSchema := mk(4, 5, "views/new.parquet", 100, 500, schemaB)
	elsewhere := partition("log_entries", "other", 0, 1, "views/elsewhere.parquet")
	for _, p := range []catalog.Partition{early, mid, late, empty, newSchema, elsewhere} {
		mustReplace(t, s, p, sec(5000))
	}
	base := catalog.PartitionFilter{ViewSetName: "log_entries", ViewInstanceID: "global"}
	with := func(mod func(f *catalog.PartitionFilter)) catalog.PartitionFilter {
		f := base
		mod(&f)
		return f
	}
	files := func(ps ...catalog.Partition) []string { return partitionFiles(ps) }
	cases := []struct {
		name   string
		filter catalog.PartitionFilter
		want   []string
	}{
		{"Instance", base, files(early, mid, late, empty, newSchema)},
		{"Schema", with(func(f *catalog.PartitionFilter) { f.FileSchemaHash = schemaB }), files(newSchema)},
		{"UnknownSchema", with(func(f *catalog.PartitionFilter) { f.FileSchemaHash = []byte{9, 9} }), nil},
		{"Overlap", with(func(f *catalog.PartitionFilter) { f.MinEventTime, f.MaxEventTime = sec(250), sec(450) }),
			files(mid, late, newSchema)},
		{"OverlapAndSchema", with(func(f *catalog.PartitionFilter) {
			f.MinEventTime, f.MaxEventTime, f.FileSchemaHash = sec(250), sec(450), schemaA
		}), files(mid, late)},
		{"InclusiveBounds", with(func(f *catalog.PartitionFilter) { f.MinEventTime, f.MaxEventTime = sec(300), sec(400) }),
			files(mid, late, newSchema)},
		{"MinOnly", with(func(f *catalog.PartitionFilter) { f.MinEventTime = sec(450) }), files(late, newSchema)},
		{"MaxOnly", with(func(f *catalog.PartitionFilter) { f.MaxEventTime = sec(120) }), files(early, newSchema)},
		{"NoOverlap", with(func(f *catalog.PartitionFilter) { f.MinEventTime, f.MaxEventTime = sec(600), sec(700) }), nil},
		{"OtherInstance", catalog.PartitionFilter{ViewSetName: "log_entries", ViewInstanceID: "other"}, files(elsewhere)},
		{"UnknownView", catalog.PartitionFilter{ViewSetName: "nope", ViewInstanceID: "global"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := partitionFiles(mustListPartitions(t, s, tc.filter))
			if !slices.Equal(got, tc.want) {
				t.Errorf("ListPartitions = %v, want %v", got, tc.want)
			}
		})
	}
}

func testListPartitionsOrdering(t *testing.T, s catalog.Store) {
	// Same begin: ordered by file path. Inserted in reverse order; the
	// wider one first so that the narrower one does not retire it, with
	// another schema so that the wider one does not supersede it.
	b := partition("blocks", "global", 20, 22, "views/b.parquet")
	a := withSchema(partition("blocks", "global", 20, 21, "views/a.parquet"), schemaB)
	first := partition("blocks", "global", 10, 20, "views/z.parquet")
	emptyFirst := partition("blocks", "global", 5, 10, "")
	for _, p := range []catalog.Partition{b, a, first, emptyFirst} {
		mustReplace(t, s, p, sec(5000))
	}
	got := partitionFiles(mustListPartitions(t, s, catalog.PartitionFilter{ViewSetName: "blocks", ViewInstanceID: "global"}))
	want := partitionFiles([]catalog.Partition{emptyFirst, first, a, b})
	if !slices.Equal(got, want) {
		t.Errorf("ListPartitions = %v, want %v (by begin_insert_time, file_path)", got, want)
	}
}

func checkTemporaryFiles(t *testing.T, got, want []catalog.TemporaryFile) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("temporary files = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].FilePath != want[i].FilePath || got[i].FileSize != want[i].FileSize {
			t.Errorf("temporary file %d = %+v, want %+v", i, got[i], want[i])
		}
		checkTime(t, "Expiration", got[i].Expiration, want[i].Expiration)
	}
}

func testTemporaryFiles(t *testing.T, s catalog.Store) {
	ctx := ctxFor(t)
	soon, later := sec(100), sec(200)
	// Retire three partitions: two with an early expiration, one later.
	mustReplace(t, s, partition("v", "i", 0, 1, "views/t1.parquet"), soon)
	mustReplace(t, s, partition("v", "i", 1, 2, "views/t0.parquet"), soon)
	mustReplace(t, s, partition("v", "j", 0, 1, "views/t2.parquet"), later)
	mustReplace(t, s, partition("v", "i", 0, 2, "views/merged.parquet"), soon)
	mustReplace(t, s, partition("v", "j", 0, 1, "views/t3.parquet"), later)

	list := func(now time.Time) []catalog.TemporaryFile {
		t.Helper()
		files, err := s.ListExpiredTemporaryFiles(ctx, now)
		if err != nil {
			t.Fatalf("ListExpiredTemporaryFiles(%v): %v", now, err)
		}
		return files
	}
	size := func(path string) int64 { return int64(len(path)) * 100 }
	tf := func(path string, exp time.Time) catalog.TemporaryFile {
		return catalog.TemporaryFile{FilePath: path, FileSize: size(path), Expiration: exp}
	}
	checkTemporaryFiles(t, list(soon), nil) // expiration must be strictly before now
	checkTemporaryFiles(t, list(soon.Add(time.Microsecond)), []catalog.TemporaryFile{
		tf("views/t0.parquet", soon), tf("views/t1.parquet", soon),
	})
	checkTemporaryFiles(t, list(later.Add(time.Second)), []catalog.TemporaryFile{
		tf("views/t0.parquet", soon), tf("views/t1.parquet", soon), tf("views/t2.parquet", later),
	})

	if err := s.DeleteTemporaryFiles(ctx, []string{"views/t1.parquet", "views/unknown.parquet"}); err != nil {
		t.Fatalf("DeleteTemporaryFiles: %v", err)
	}
	if err := s.DeleteTemporaryFiles(ctx, nil); err != nil {
		t.Fatalf("DeleteTemporaryFiles(nil): %v", err)
	}
	checkTemporaryFiles(t, list(later.Add(time.Second)), []catalog.TemporaryFile{
		tf("views/t0.parquet", soon), tf("views/t2.parquet", later),
	})
	if err := s.DeleteTemporaryFiles(ctx, []string{"views/t0.parquet", "views/t2.parquet"}); err != nil {
		t.Fatalf("DeleteTemporaryFiles: %v", err)
	}
	checkTemporaryFiles(t, list(later.Add(time.Second)), nil)
}
