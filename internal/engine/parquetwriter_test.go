package engine

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// TestParquetWriterRowGroups writes records as row groups of their own,
// one column without statistics and one PLAIN, and reads the layout back.
func TestParquetWriterRowGroups(t *testing.T) {
	e, dir := openEngine(t, Options{})
	path := filepath.Join(dir, "groups.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	pw, err := NewParquetWriter(f, logSchema, WithoutStatistics("process_id"), WithPlainEncoding("level"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		rec := makeLogRecord(t, []logRow{{process: "a", time: t0 + int64(i)}, {process: "b", time: t0 + 10}, {process: "c", time: t0 + 20}})
		if err := pw.WriteRowGroup(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	big := makeLogRecord(t, make([]logRow, RowGroupRows+1))
	if err := pw.WriteRowGroup(big); err == nil {
		t.Error("WriteRowGroup accepted more than RowGroupRows rows")
	}
	big.Release()
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got := collect(t, e, "SELECT count(DISTINCT row_group_id), max(row_group_num_rows) FROM parquet_metadata("+quoteString(path)+")")
	if got.rows[0][0] != int64(2) || got.rows[0][1] != int64(3) {
		t.Errorf("row groups (count, max rows) = %v, want (2, 3)", got.rows[0])
	}
	got = collect(t, e, "SELECT path_in_schema, count(stats_min_value) FROM parquet_metadata("+quoteString(path)+") WHERE path_in_schema IN ('process_id', 'time') GROUP BY ALL ORDER BY 1")
	if len(got.rows) != 2 || got.rows[0][1] != int64(0) || got.rows[1][1] != int64(2) {
		t.Errorf("row groups with statistics (process_id, time) = %v, want 0 and 2", got.rows)
	}
	got = collect(t, e, "SELECT path_in_schema, encodings FROM parquet_metadata("+quoteString(path)+") WHERE row_group_id = 0 AND path_in_schema IN ('level', 'time') ORDER BY 1")
	if len(got.rows) != 2 || !strings.HasPrefix(got.rows[0][1].(string), "PLAIN") || !strings.HasPrefix(got.rows[1][1].(string), "DELTA_BINARY_PACKED") {
		t.Errorf("encodings (level, time) = %v, want PLAIN and DELTA_BINARY_PACKED", got.rows)
	}
	got = collect(t, e, "SELECT string_agg(process_id, ',' ORDER BY time, process_id) FROM t", Table{Name: "t", Files: []string{path}})
	if got.rows[0][0] != "a,a,b,b,c,c" {
		t.Errorf("read back %v", got.rows[0])
	}
}

// TestParquetWriterRowGroupRejectsOtherSchema checks the schema of a row group.
func TestParquetWriterRowGroupRejectsOtherSchema(t *testing.T) {
	other := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	pw, err := NewParquetWriter(io.Discard, other)
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	rec := makeLogRecord(t, []logRow{{process: "p", time: t0}})
	defer rec.Release()
	if err := pw.WriteRowGroup(rec); err == nil {
		t.Error("WriteRowGroup accepted a record of another schema")
	}
}

// TestParquetWriterKeyValue writes a key-value pair in the footer and
// reads it back; another key is absent, and a file that is not Parquet
// gives an error.
func TestParquetWriterKeyValue(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kv.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	pw, err := NewParquetWriter(f, logSchema)
	if err != nil {
		t.Fatal(err)
	}
	rec := makeLogRecord(t, []logRow{{process: "a", time: t0}})
	if err := pw.Write(rec); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	if err := pw.SetKeyValue("test.key", "some value"); err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key  string
		want string
		ok   bool
	}{{"test.key", "some value", true}, {"other.key", "", false}} {
		v, ok, err := ReadKeyValue(path, c.key)
		if err != nil || v != c.want || ok != c.ok {
			t.Errorf("ReadKeyValue(%q) = %q, %v, %v; want %q, %v", c.key, v, ok, err, c.want, c.ok)
		}
	}
	bad := filepath.Join(dir, "bad.parquet")
	if err := os.WriteFile(bad, []byte("not a parquet file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadKeyValue(bad, "test.key"); err == nil {
		t.Error("ReadKeyValue of a file that is not Parquet gave no error")
	}
}
