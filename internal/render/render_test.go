package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var sampleSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "msg", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "level", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}},
	{Name: "time", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "+00:00"}},
	{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "nothing", Type: arrow.Null, Nullable: true},
	{Name: "props", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), Nullable: true},
	{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	{Name: "span", Type: arrow.StructOf(
		arrow.Field{Name: "name", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "depth", Type: arrow.PrimitiveTypes.Uint32},
	), Nullable: true},
	{Name: "bytes", Type: arrow.BinaryTypes.Binary, Nullable: true},
}, nil)

var t0 = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)

// sampleRecord holds 4 rows covering every column type, nulls, unicode,
// CSV and JSON special characters and a non-finite float.
func sampleRecord(t *testing.T, mem memory.Allocator) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(mem, sampleSchema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, -3, 9007199254740993}, nil)
	b.Field(1).(*array.Float64Builder).AppendValues([]float64{1.5, 0, 1e21, math.NaN()}, []bool{true, false, true, true})
	b.Field(2).(*array.StringBuilder).AppendValues(
		[]string{"hello, \"world\"", "", "multi\nline <tag> & ünïcode", ""}, []bool{true, false, true, true})
	lv := b.Field(3).(*array.BinaryDictionaryBuilder)
	for _, s := range []string{"info", "warn", "info", "error"} {
		if err := lv.AppendString(s); err != nil {
			t.Fatal(err)
		}
	}
	tb := b.Field(4).(*array.TimestampBuilder)
	for i := range 4 {
		tb.Append(arrow.Timestamp(t0.Add(time.Duration(i) * time.Hour).UnixNano()))
	}
	b.Field(5).(*array.BooleanBuilder).AppendValues([]bool{true, false, false, true}, []bool{true, true, false, true})
	b.Field(6).(*array.NullBuilder).AppendNulls(4)
	mb := b.Field(7).(*array.MapBuilder)
	kb, ib := mb.KeyBuilder().(*array.StringBuilder), mb.ItemBuilder().(*array.Int64Builder)
	mb.Append(true)
	kb.AppendValues([]string{"b", "a"}, nil)
	ib.AppendValues([]int64{2, 1}, nil)
	mb.AppendNull()
	mb.Append(true) // empty map
	mb.Append(true)
	kb.Append("k")
	ib.AppendNull()
	lb := b.Field(8).(*array.ListBuilder)
	vb := lb.ValueBuilder().(*array.StringBuilder)
	lb.Append(true)
	vb.AppendValues([]string{"x", "y"}, nil)
	lb.Append(true)
	lb.AppendNull()
	lb.Append(true)
	vb.AppendNull()
	sb := b.Field(9).(*array.StructBuilder)
	for i, name := range []string{"root", "", "child", "leaf"} {
		if i == 1 {
			sb.AppendNull() // also appends nulls to the fields
			continue
		}
		sb.Append(true)
		sb.FieldBuilder(0).(*array.StringBuilder).Append(name)
		sb.FieldBuilder(1).(*array.Uint32Builder).Append(uint32(i))
	}
	b.Field(10).(*array.BinaryBuilder).AppendValues([][]byte{{0xde, 0xad}, nil, {}, {0x01}}, []bool{true, false, true, true})
	return b.NewRecordBatch()
}

// sampleReader serves the sample record split into two sliced batches, so
// that offsets into shared buffers are exercised.
func sampleReader(t *testing.T) array.RecordReader {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	rec := sampleRecord(t, mem)
	defer rec.Release()
	first, second := rec.NewSlice(0, 1), rec.NewSlice(1, 4)
	defer first.Release()
	defer second.Release()
	rdr, err := array.NewRecordReader(sampleSchema, []arrow.RecordBatch{first, second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rdr.Release)
	return rdr
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (go test -update rewrites it)\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func TestGolden(t *testing.T) {
	for _, f := range []Format{Table, CSV, JSON} { // binary formats: TestGoldenFiles
		t.Run(f.String(), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, f, nil, sampleReader(t)); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "sample."+f.String()+".golden", buf.Bytes())
		})
	}
	t.Run("table truncated", func(t *testing.T) {
		var buf bytes.Buffer
		if err := writeTable(&buf, sampleSchema, sampleReader(t), 2); err != nil {
			t.Fatal(err)
		}
		checkGolden(t, "truncated.table.golden", buf.Bytes())
	})
}

// The CSV and JSON outputs parse back with the standard decoders.
func TestOutputsParse(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, CSV, nil, sampleReader(t)); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("csv output does not parse: %v", err)
	}
	if len(records) != 5 || records[1][2] != `hello, "world"` || records[3][2] != "multi\nline <tag> & ünïcode" {
		t.Errorf("csv records = %q", records)
	}
	if records[1][4] != "2024-05-06T07:08:09.123456789Z" {
		t.Errorf("csv time = %q, want RFC3339Nano UTC", records[1][4])
	}

	buf.Reset()
	if err := Write(&buf, JSON, nil, sampleReader(t)); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("json output does not parse: %v", err)
	}
	if len(rows) != 4 {
		t.Fatalf("json rows = %d, want 4", len(rows))
	}
	if rows[0]["id"] != json.Number("1") || rows[3]["id"] != json.Number("9007199254740993") {
		t.Errorf("json ids = %v, %v", rows[0]["id"], rows[3]["id"])
	}
	if rows[1]["msg"] != nil || rows[1]["value"] != nil || rows[0]["level"] != "info" {
		t.Errorf("json row = %v", rows[1])
	}
	if props, ok := rows[0]["props"].(map[string]any); !ok || props["a"] != json.Number("1") {
		t.Errorf("json map = %v", rows[0]["props"])
	}
}

func TestEmptyResult(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int32}}, nil)
	want := map[Format]string{
		Table: " a\n---\n(0 rows)\n",
		CSV:   "a\n",
		JSON:  "[]\n",
	}
	for f, w := range want {
		rdr, err := array.NewRecordReader(schema, nil)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := Write(&buf, f, nil, rdr); err != nil {
			t.Fatal(err)
		}
		rdr.Release()
		if buf.String() != w {
			t.Errorf("%s: got %q, want %q", f, buf.String(), w)
		}
	}
}

func TestTableCapCountsTheRest(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewInt64Builder(memory.DefaultAllocator)
	for i := range MaxTableRows + 5 {
		b.Append(int64(i))
	}
	col := b.NewArray()
	b.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len()))
	col.Release()
	rdr, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec, rec})
	rec.Release()
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	var buf bytes.Buffer
	if err := Write(&buf, Table, nil, rdr); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if got := len(lines); got != MaxTableRows+3 {
		t.Errorf("got %d lines, want %d (header, separator, rows, footer)", got, MaxTableRows+3)
	}
	total := 2 * (MaxTableRows + 5)
	wantFooter := "... 10010 more rows (20010 in all), use --format csv or --format json to see them all"
	if lines[len(lines)-1] != wantFooter || total != 20010 {
		t.Errorf("footer = %q, want %q", lines[len(lines)-1], wantFooter)
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    Format
		wantErr bool
	}{
		{"table", Table, false},
		{"CSV", CSV, false},
		{" json ", JSON, false},
		{"xml", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if tt.wantErr {
			if err == nil || !strings.Contains(err.Error(), "table, csv, json, parquet, arrow") {
				t.Errorf("ParseFormat(%q) error = %v, want one listing the valid formats", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestEscapeAndFloats(t *testing.T) {
	if got := escape("a\tb\nc\x7f"); got != `a\tb\nc\x7f` {
		t.Errorf("escape = %q", got)
	}
	tests := map[float64]string{0: "0", 1.5: "1.5", 1e9: "1000000000", 1e21: "1e+21", 1e-7: "1e-07", -2.25: "-2.25"}
	for v, want := range tests {
		if got := formatFloat(v, 64); got != want {
			t.Errorf("formatFloat(%v) = %q, want %q", v, got, want)
		}
	}
}
