package engine

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestWriteParquetLayout(t *testing.T) {
	e, dir := openEngine(t, Options{})
	rows := make([]logRow, 2*RowGroupRows+10)
	for i := range rows {
		rows[i] = logRow{process: "p", time: t0 + int64(i), msg: "m"}
	}
	f := writeLogFile(t, dir, "big.parquet", rows)
	got := collect(t, e, "SELECT count(DISTINCT row_group_id), max(row_group_num_rows) FROM parquet_metadata("+quoteString(f)+")")
	if got.rows[0][0] != int64(3) || got.rows[0][1] != int64(RowGroupRows) {
		t.Errorf("row groups (count, max rows) = %v, want (3, %d)", got.rows[0], RowGroupRows)
	}
	got = collect(t, e, "SELECT DISTINCT compression FROM parquet_metadata("+quoteString(f)+")")
	if len(got.rows) != 1 || got.rows[0][0] != "LZ4_RAW" {
		t.Errorf("compression %v, want LZ4_RAW", got.rows)
	}
	// Text columns have no dictionary; other strings do.
	got = collect(t, e, "SELECT path_in_schema, contains(encodings, 'DELTA_LENGTH_BYTE_ARRAY'), dictionary_page_offset IS NOT NULL FROM parquet_metadata("+quoteString(f)+
		") WHERE path_in_schema IN ('msg', 'process_id') AND row_group_id = 0 ORDER BY 1")
	wantEnc := [][]any{{"msg", true, false}, {"process_id", false, true}}
	if !reflect.DeepEqual(got.rows, wantEnc) {
		t.Errorf("string columns (path, encodings, dictionary) = %v, want %v", got.rows, wantEnc)
	}
	got = collect(t, e, "SELECT count(*), min(time), max(time) FROM t", Table{Name: "t", Files: []string{f}})
	want := []any{int64(len(rows)), t0, t0 + int64(len(rows)-1)}
	for i := range want {
		if got.rows[0][i] != want[i] {
			t.Errorf("read back %v, want %v", got.rows[0], want)
		}
	}
}

func TestWriteParquetRejectsMismatchedRecords(t *testing.T) {
	rec := makeLogRecord(t, []logRow{{process: "p", time: t0}})
	defer rec.Release()
	other := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	if err := WriteParquet(&bytes.Buffer{}, other, []arrow.RecordBatch{rec}); err == nil {
		t.Error("WriteParquet accepted a record of another schema")
	}
}
