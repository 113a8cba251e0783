package client_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/micromegas-go/micromegas/client"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/flightsql"
)

// engineQuerier serves SQL with the real engine, binding parameters.
type engineQuerier struct{ e *engine.Engine }

func (q engineQuerier) Query(ctx context.Context, sql string, _ flightsql.QueryOptions) (array.RecordReader, error) {
	return q.e.Query(ctx, sql, nil)
}

func (q engineQuerier) QueryParams(ctx context.Context, sql string, params []any, _ flightsql.QueryOptions) (array.RecordReader, error) {
	return q.e.QueryArgs(ctx, sql, nil, params)
}

func (q engineQuerier) Describe(ctx context.Context, sql string, _ flightsql.QueryOptions) (*arrow.Schema, error) {
	return q.e.Describe(ctx, sql, nil)
}

func (q engineQuerier) DescribeParams(ctx context.Context, sql string, params []any, _ flightsql.QueryOptions) (*arrow.Schema, error) {
	st, err := q.e.DescribeArgs(ctx, sql, nil, params)
	return st.Schema, err
}

func (q engineQuerier) ParameterSchema(ctx context.Context, sql string, _ flightsql.QueryOptions) (*arrow.Schema, error) {
	st, err := q.e.DescribeStatement(ctx, sql, nil)
	return st.Params, err
}

func startEngineServer(t *testing.T) string {
	t.Helper()
	e, err := engine.Open(context.Background(), engine.Options{Threads: 1, MemoryLimit: "256MB"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	return startServer(t, engineQuerier{e})
}

// firstRow runs a parameterized query and returns its only row as text.
func firstRow(t *testing.T, c *client.Client, sql string, args ...any) []string {
	t.Helper()
	rdr, err := c.QueryParams(context.Background(), sql, client.TimeRange{}, args...)
	if err != nil {
		t.Fatalf("%s %v: %v", sql, args, err)
	}
	defer rdr.Release()
	var row []string
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if rec.NumRows() == 0 {
			continue
		}
		for _, col := range rec.Columns() {
			row = append(row, col.ValueStr(0))
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatalf("%s %v: %v", sql, args, err)
	}
	return row
}

func TestQueryParams(t *testing.T) {
	c := dial(t, startEngineServer(t))
	const quoted = "SELECT count(*) FROM (VALUES ('a'), ('x'' OR 1=1 --')) t(s) WHERE s = ?"
	const times = "SELECT count(*) FROM (VALUES (TIMESTAMP_NS '2026-01-01 00:00:00'), (TIMESTAMP_NS '2026-01-02 00:00:00')) t(ts) WHERE ts > ?"
	tests := []struct {
		name string
		sql  string
		args []any
		want []string
	}{
		{"quote and SQL in a string match literally", quoted, []any{"x' OR 1=1 --"}, []string{"1"}},
		{"injection attempt matches nothing", quoted, []any{"' OR 1=1 --"}, []string{"0"}},
		{"int compares as a number", "SELECT count(*) FROM range(10) WHERE range > ?", []any{6}, []string{"3"}},
		{"float is not truncated", "SELECT count(*) FROM range(10) WHERE range > ?", []any{5.5}, []string{"4"}},
		{"time compares as a timestamp", times, []any{time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}, []string{"1"}},
		{"values keep their types", "SELECT typeof(?), typeof(?), typeof(?), typeof(?)", []any{int64(1), "s", time.Unix(0, 0), true}, []string{"BIGINT", "VARCHAR", "TIMESTAMP_NS", "BOOLEAN"}},
		{"nil and bytes", "SELECT ? IS NULL, octet_length(?)", []any{nil, []byte{0, 1, 2}}, []string{"true", "3"}},
		{"numbered markers", "SELECT $1 + $2 + $1", []any{int64(1), int64(10)}, []string{"12"}},
		{"no parameters", "SELECT 42", nil, []string{"42"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := firstRow(t, c, tt.sql, tt.args...)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("row = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestQueryParamsErrors(t *testing.T) {
	c := dial(t, startEngineServer(t))
	ctx := context.Background()
	tests := []struct {
		sql  string
		args []any
		want string
	}{
		{"SELECT count(*) FROM range(10) WHERE range > ?", []any{1, 2}, "the query has 1 parameter but 2 values were bound"},
		{"SELECT count(*) FROM range(10) WHERE range > ? AND range < ?", []any{1}, "the query has 2 parameters but 1 value was bound"},
		{"SELECT count(*) FROM range(10) WHERE range > ?", []any{"abc"}, "Could not convert string 'abc'"},
	}
	for _, tt := range tests {
		_, err := c.QueryParams(ctx, tt.sql, client.TimeRange{}, tt.args...)
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %v: err = %v, want InvalidArgument containing %q", tt.sql, tt.args, err, tt.want)
		}
	}
	if _, err := c.QueryParams(ctx, "SELECT ?", client.TimeRange{}, struct{}{}); err == nil || !strings.Contains(err.Error(), "unsupported type struct {}") {
		t.Errorf("unsupported value: err = %v", err)
	}
	if _, err := c.QueryParams(ctx, "SELECT ?", client.TimeRange{}, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil || !strings.Contains(err.Error(), "1678-2261") {
		t.Errorf("time out of range: err = %v", err)
	}
}
