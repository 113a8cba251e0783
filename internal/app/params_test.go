package app

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	_ "github.com/apache/arrow-go/v18/arrow/flight/flightsql/driver"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/micromegas-go/micromegas/client"
)

// paramClient runs a count query with bound parameters through one client.
type paramClient struct {
	count func(ctx context.Context, query string, args ...any) (int64, error)
}

// TestQueryParametersRealEngine runs parameterized queries against the
// real engine through the three Go clients: arrow-go's Flight SQL client
// (prepared statement, parameters bound with DoPut), arrow-go's
// database/sql driver (which sends query arguments the same way) and the
// project's client package. The values are bound by the engine, so each
// case fails if they are pasted into the SQL text or lose their type.
func TestQueryParametersRealEngine(t *testing.T) {
	a := startApp(t)
	fx := emitTelemetry(t, a)
	addr := a.FlightSQLAddr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	db, err := sql.Open("flightsql", "flightsql://"+addr)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fl := newFlightClient(t, addr)
	mc, err := client.Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()

	clients := map[string]paramClient{
		"flightsql": {count: func(ctx context.Context, query string, args ...any) (int64, error) {
			return preparedCount(ctx, t, fl, query, args...)
		}},
		"database-sql": {count: func(ctx context.Context, query string, args ...any) (int64, error) {
			var n int64
			err := db.QueryRowContext(ctx, query, args...).Scan(&n)
			return n, err
		}},
		"client": {count: func(ctx context.Context, query string, args ...any) (int64, error) {
			rdr, err := mc.QueryParams(ctx, query, client.TimeRange{}, args...)
			if err != nil {
				return 0, err
			}
			defer rdr.Release()
			return readCount(rdr)
		}},
	}
	tests := []struct {
		name  string
		query string
		args  []any
		want  int64
	}{
		{"int and string", "SELECT count(*) FROM log_entries WHERE level <= ? AND target = ?", []any{int64(3), "fixture/log"}, fixLines},
		{"numbered marker", "SELECT count(*) FROM log_entries WHERE level < $1", []any{int64(3)}, 0},
		{"float keeps its fraction", "SELECT count(*) FROM log_entries WHERE level / 1 < ?", []any{3.5}, fixLines},
		{"time after begin", "SELECT count(*) FROM log_entries WHERE time > ?", []any{fx.begin}, fixLines},
		{"time after end", "SELECT count(*) FROM log_entries WHERE time > ?", []any{fx.end}, 0},
		{"time range", "SELECT count(*) FROM log_entries WHERE time BETWEEN ? AND ?", []any{fx.begin, fx.end}, fixLines},
		{"injection attempt is a plain value", "SELECT count(*) FROM log_entries WHERE target = ?", []any{"fixture/log' OR 1=1 --"}, 0},
		{"quote and SQL text match literally", "SELECT count(*) FROM log_entries WHERE target || ? = 'fixture/log'' OR 1=1 --'", []any{"' OR 1=1 --"}, fixLines},
		{"bound, not rendered: int64 stays BIGINT", "SELECT count(*) FROM log_entries WHERE typeof(?) = 'BIGINT'", []any{int64(1)}, fixLines},
		{"view_instance arguments", "SELECT count(*) FROM view_instance(?, ?) WHERE level = ? AND msg LIKE ?", []any{"log_entries", fx.processID, int64(3), "fixture line %"}, fixLines},
		{"view_instance and the query share $1", "SELECT count(*) FROM view_instance('log_entries', $1) WHERE process_id = $1", []any{fx.processID}, fixLines},
		{"view_instance of an injection attempt", "SELECT count(*) FROM view_instance('log_entries', ?)", []any{fx.processID + "' OR 1=1 --"}, -1},
	}
	for name, c := range clients {
		t.Run(name, func(t *testing.T) {
			for _, tt := range tests {
				n, err := c.count(ctx, tt.query, tt.args...)
				if tt.want < 0 {
					if status.Code(err) != codes.InvalidArgument {
						t.Errorf("%s: err = %v, want InvalidArgument", tt.name, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", tt.name, err)
				} else if n != tt.want {
					t.Errorf("%s: count = %d, want %d", tt.name, n, tt.want)
				}
			}
			// A wrong number of values is the caller's error. The
			// database/sql driver checks it itself when the server
			// reports the parameter schema, which it does not for
			// timestamps.
			for _, w := range []struct {
				query string
				args  []any
				want  string
			}{
				{"SELECT count(*) FROM log_entries WHERE time > ? AND time < ?", []any{fx.begin}, "the query has 2 parameters but 1 value was bound"},
				{"SELECT count(*) FROM view_instance(?, ?)", []any{"log_entries"}, "the query uses parameter 2 but 1 value was bound"},
			} {
				_, err := c.count(ctx, w.query, w.args...)
				if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), w.want) {
					t.Errorf("%s %v: err = %v, want InvalidArgument containing %q", w.query, w.args, err, w.want)
				}
			}
		})
	}

	t.Run("parameter schema", func(t *testing.T) {
		stmt, err := fl.Prepare(ctx, "SELECT count(*) FROM log_entries WHERE level <= ? AND target = ?")
		if err != nil {
			t.Fatal(err)
		}
		defer stmt.Close(ctx)
		ps := stmt.ParameterSchema()
		if ps == nil || ps.NumFields() != 2 || !arrow.TypeEqual(ps.Field(0).Type, arrow.PrimitiveTypes.Int64) ||
			!arrow.TypeEqual(ps.Field(1).Type, arrow.BinaryTypes.String) {
			t.Errorf("parameter schema = %v, want int64 and utf8", ps)
		}
		// database/sql checks the count against it.
		if _, err := db.QueryContext(ctx, "SELECT count(*) FROM log_entries WHERE level <= ? AND target = ?", 3); err == nil {
			t.Error("database/sql accepted 1 argument for 2 parameters")
		}
	})
}

// preparedCount runs a count query as a Flight SQL prepared statement
// with args bound by DoPut.
func preparedCount(ctx context.Context, t *testing.T, fl *flightsql.Client, query string, args ...any) (int64, error) {
	stmt, err := fl.Prepare(ctx, query)
	if err != nil {
		return 0, err
	}
	defer stmt.Close(ctx)
	stmt.SetParameters(bindBatch(t, args...))
	info, err := stmt.Execute(ctx)
	if err != nil {
		return 0, err
	}
	rdr, err := fl.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		return 0, err
	}
	defer rdr.Release()
	return readCount(rdr)
}

// TestQueryParameterTimePruning checks end to end that time bounds bound
// as parameters prune what a query reads, as literals do: a view_instance
// query whose bound excludes every event converts no block of the
// process, one whose bounds hold the events converts them, and both
// count what the same query without usable bounds counts.
func TestQueryParameterTimePruning(t *testing.T) {
	a := startApp(t)
	fx := emitTelemetry(t, a)
	addr := a.FlightSQLAddr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fl := newFlightClient(t, addr)
	db, err := sql.Open("flightsql", "flightsql://"+addr)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	converted := func() string {
		t.Helper()
		_, rows := queryRows(t, addr, `SELECT count(*) FROM list_partitions()
			WHERE view_set_name = 'log_entries' AND view_instance_id = '`+fx.processID+`' AND num_rows > 0`)
		return rows[0][0]
	}
	count := func(query string, args ...any) int64 {
		t.Helper()
		n, err := preparedCount(ctx, t, fl, query, args...)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}

	// After every event: nothing to convert, with either marker style.
	later := fx.end.Add(time.Hour)
	if n := count(`SELECT count(*) FROM view_instance('log_entries', ?) WHERE time > ?`, fx.processID, later); n != 0 {
		t.Fatalf("count after the events: %d", n)
	}
	var n int64
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM view_instance('log_entries', $1) WHERE time > $2`,
		fx.processID, later.Format(time.RFC3339Nano)).Scan(&n); err != nil || n != 0 {
		t.Fatalf("count after the events with $N markers: %d, %v", n, err)
	}
	if c := converted(); c != "0" {
		t.Fatalf("%s partitions converted for a time range without events, want 0", c)
	}
	// Around the events: they are converted and counted, as without
	// usable bounds.
	if n := count(`SELECT count(*) FROM view_instance('log_entries', $1) WHERE time BETWEEN $2 AND $3`, fx.processID, fx.begin, fx.end); n != fixLines {
		t.Fatalf("count within the events: %d, want %d", n, fixLines)
	}
	if c := converted(); c == "0" {
		t.Fatal("no partition converted for the time range of the events")
	}
	if n := count(`SELECT count(*) FROM view_instance('log_entries', ?) WHERE (time > ?) OR false`, fx.processID, later); n != 0 {
		t.Fatalf("unpruned count after the events: %d", n)
	}
}

// readCount returns the first value of a count query.
func readCount(rdr array.RecordReader) (int64, error) {
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if rec.NumRows() > 0 {
			if c, ok := rec.Column(0).(*array.Int64); ok {
				return c.Value(0), nil
			}
			return 0, fmt.Errorf("count column is %s", rec.Column(0).DataType())
		}
	}
	if err := rdr.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no rows")
}

// bindBatch is one row of parameters as a Flight SQL client binds them:
// int64, float64, string or time.Time (timestamp[ns, UTC]) values.
func bindBatch(t *testing.T, args ...any) arrow.RecordBatch {
	t.Helper()
	fields := make([]arrow.Field, len(args))
	for i, a := range args {
		var dt arrow.DataType
		switch a.(type) {
		case int64:
			dt = arrow.PrimitiveTypes.Int64
		case float64:
			dt = arrow.PrimitiveTypes.Float64
		case string:
			dt = arrow.BinaryTypes.String
		case time.Time:
			dt = &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}
		default:
			t.Fatalf("bindBatch: unsupported %T", a)
		}
		fields[i] = arrow.Field{Name: fmt.Sprintf("p%d", i), Type: dt}
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for i, a := range args {
		switch v := a.(type) {
		case int64:
			b.Field(i).(*array.Int64Builder).Append(v)
		case float64:
			b.Field(i).(*array.Float64Builder).Append(v)
		case string:
			b.Field(i).(*array.StringBuilder).Append(v)
		case time.Time:
			b.Field(i).(*array.TimestampBuilder).Append(arrow.Timestamp(v.UnixNano()))
		}
	}
	rec := b.NewRecordBatch()
	t.Cleanup(rec.Release)
	return rec
}
