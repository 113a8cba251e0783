package engine

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

func collectArgs(t *testing.T, e *Engine, sql string, tables []Table, args ...any) ([][]any, error) {
	t.Helper()
	r, err := e.QueryArgs(context.Background(), sql, tables, args)
	if err != nil {
		return nil, err
	}
	defer r.Release()
	var rows [][]any
	for r.Next() {
		rec := r.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]any, rec.NumCols())
			for j, c := range rec.Columns() {
				row[j] = cell(c, i)
			}
			rows = append(rows, row)
		}
	}
	return rows, r.Err()
}

func TestQueryArgsBindsValues(t *testing.T) {
	e, dir := openEngine(t, Options{})
	f := writeLogFile(t, dir, "a.parquet", []logRow{
		{process: "p1", time: t0, level: 2, msg: "x' OR 1=1 --"},
		{process: "p1", time: t0 + 1000, level: 4, msg: "plain"},
		{process: "p2", time: t0 + 2000, level: 6, msg: "50% off"},
	})
	tables := []Table{{Name: "log_entries", Files: []string{f}}}
	tests := []struct {
		name string
		sql  string
		args []any
		want [][]any
	}{
		{"string with a quote and SQL is matched literally", "SELECT msg FROM log_entries WHERE msg = ?", []any{"x' OR 1=1 --"}, [][]any{{"x' OR 1=1 --"}}},
		{"injection attempt matches nothing", "SELECT msg FROM log_entries WHERE msg = ?", []any{"' OR 1=1 --"}, nil},
		{"int compares as a number", "SELECT msg FROM log_entries WHERE level > ? ORDER BY level", []any{int64(3)}, [][]any{{"plain"}, {"50% off"}}},
		{"Go int", "SELECT count(*) FROM log_entries WHERE level >= ?", []any{2}, [][]any{{int64(3)}}},
		{"float compares as a number", "SELECT msg FROM log_entries WHERE level < ?", []any{2.5}, [][]any{{"x' OR 1=1 --"}}},
		{"float compares as a float, not cast to the column's type", "SELECT msg FROM log_entries WHERE level < ?", []any{2.1}, [][]any{{"x' OR 1=1 --"}}},
		{"int64 binds as BIGINT", "SELECT typeof(?)", []any{int64(1)}, [][]any{{"BIGINT"}}},
		{"time compares as a timestamp", "SELECT msg FROM log_entries WHERE time > ? ORDER BY time", []any{time.Unix(0, t0+500)}, [][]any{{"plain"}, {"50% off"}}},
		{"numbered markers, reused", "SELECT msg FROM log_entries WHERE process_id = $1 AND level > $2 AND $1 = 'p1'", []any{"p1", int64(3)}, [][]any{{"plain"}}},
		{"nil is NULL", "SELECT count(*) FROM log_entries WHERE msg = ?", []any{nil}, [][]any{{int64(0)}}},
		{"bool", "SELECT count(*) FROM log_entries WHERE (level > 3) = ?", []any{true}, [][]any{{int64(2)}}},
		{"bytes", "SELECT octet_length(?)", []any{[]byte("a\x00b")}, [][]any{{int64(3)}}},
		{"uint64 beyond int64", "SELECT ? = 18446744073709551615", []any{uint64(1<<64 - 1)}, [][]any{{true}}},
		{"marker-free query", "SELECT count(*) FROM log_entries", nil, [][]any{{int64(3)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collectArgs(t, e, tt.sql, tables, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestQueryArgsErrors(t *testing.T) {
	e, dir := openEngine(t, Options{})
	f := writeLogFile(t, dir, "a.parquet", []logRow{{process: "p", time: t0, level: 2, msg: "m"}})
	tables := []Table{{Name: "log_entries", Files: []string{f}}}
	tests := []struct {
		name string
		sql  string
		args []any
		want string
	}{
		{"too few", "SELECT msg FROM log_entries WHERE level > ? AND msg = ?", []any{int64(1)}, "the query has 2 parameters but 1 value was bound"},
		{"too many", "SELECT msg FROM log_entries WHERE level > ?", []any{int64(1), "x"}, "the query has 1 parameter but 2 values were bound"},
		{"none bound", "SELECT msg FROM log_entries WHERE level > ?", nil, "the query has 1 parameter but no value was bound"},
		{"no markers", "SELECT msg FROM log_entries", []any{int64(1)}, "the query has no parameter markers but 1 value was bound"},
		{"gap in numbering", "SELECT $2::int", []any{int64(1), int64(2)}, "number parameters from $1 without gaps"},
		{"string for an integer", "SELECT msg FROM log_entries WHERE level = ?", []any{"abc"}, "Could not convert string 'abc' to INT32"},
		{"integer for a timestamp", "SELECT msg FROM log_entries WHERE time > ?", []any{int64(5)}, "Cannot compare values of type TIMESTAMP_NS and type BIGINT"},
		{"unsupported Go type", "SELECT ?", []any{struct{}{}}, "unsupported value type struct {}"},
		{"invalid UTF-8", "SELECT ?", []any{"\xff"}, "not valid UTF-8"},
		{"unsupported Go type names the expected type", "SELECT msg FROM log_entries WHERE level = ?", []any{[]int{1}}, "parameter 1, expected INTEGER: unsupported value type []int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := collectArgs(t, e, tt.sql, tables, tt.args...)
			if !errors.Is(err, ErrInvalidQuery) {
				t.Fatalf("err = %v, want ErrInvalidQuery", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to contain %q", err, tt.want)
			}
		})
	}
	// The connection is still usable after the failures.
	if got, err := collectArgs(t, e, "SELECT ?", nil, int64(7)); err != nil || !reflect.DeepEqual(got, [][]any{{int64(7)}}) {
		t.Errorf("query after errors = %v, %v", got, err)
	}
}

func TestDescribeStatementParams(t *testing.T) {
	e, dir := openEngine(t, Options{})
	f := writeLogFile(t, dir, "a.parquet", []logRow{{process: "p", time: t0, level: 2, msg: "m"}})
	tables := []Table{{Name: "log_entries", Files: []string{f}}}
	ctx := context.Background()
	st, err := e.DescribeStatement(ctx, "SELECT msg FROM log_entries WHERE time > ? AND level <= ? AND msg LIKE ?", tables)
	if err != nil {
		t.Fatal(err)
	}
	var got []arrow.DataType
	for _, f := range st.Params.Fields() {
		got = append(got, f.Type)
	}
	want := []arrow.DataType{&arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "+00:00"}, arrow.PrimitiveTypes.Int32, arrow.BinaryTypes.String}
	if len(got) != len(want) {
		t.Fatalf("params = %v, want %v", got, want)
	}
	for i := range want {
		if !arrow.TypeEqual(got[i], want[i]) {
			t.Errorf("param %d: %v, want %v", i+1, got[i], want[i])
		}
	}
	if !st.ParamsKnown() || st.Schema.NumFields() != 1 || st.Schema.Field(0).Name != "msg" {
		t.Errorf("statement = %+v", st)
	}

	st, err = e.DescribeStatement(ctx, "SELECT msg FROM log_entries WHERE msg = coalesce(?, ?)", tables)
	if err != nil {
		t.Fatal(err)
	}
	if st.Params.NumFields() != 2 {
		t.Errorf("params = %v, want 2", st.Params)
	}

	// A result whose type depends on a parameter cannot be described, and
	// that is not the query's fault.
	if _, err := e.DescribeStatement(ctx, "SELECT ? AS x", nil); !errors.Is(err, ErrParamTypedResult) || errors.Is(err, ErrInvalidQuery) {
		t.Errorf("DescribeStatement(SELECT ?) err = %v, want a non-invalid error", err)
	}
	if _, err := e.DescribeArgs(ctx, "SELECT msg FROM log_entries WHERE level > ?", tables, nil); !errors.Is(err, ErrInvalidQuery) {
		t.Errorf("DescribeArgs with a missing value: err = %v, want ErrInvalidQuery", err)
	}
	st, err = e.DescribeArgs(ctx, "SELECT msg FROM log_entries WHERE level > ?", tables, []any{int64(1)})
	if err != nil || st.Schema.NumFields() != 1 {
		t.Errorf("DescribeArgs = %v, %v", st.Schema, err)
	}
}
