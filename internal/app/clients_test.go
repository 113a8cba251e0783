package app

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// TestTwoClients runs one suite of queries against the real engine with
// the arrow-go Flight SQL client and with arrow-go's database/sql driver.
func TestTwoClients(t *testing.T) {
	a := startApp(t)
	fx := emitTelemetry(t, a)
	addr := a.FlightSQLAddr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rangeHeaders := []string{"query_range_begin", fx.begin.Format(time.RFC3339Nano), "query_range_end", fx.end.Format(time.RFC3339Nano)}
	past := []string{"query_range_begin", "2000-01-01T00:00:00Z", "query_range_end", "2000-01-02T00:00:00Z"}

	type suite struct {
		count    func(t *testing.T, headers []string, sql string, args ...any) int64
		rows     func(t *testing.T, sql string) int64
		queryErr func(sql string) error
	}
	cl := newFlightClient(t, addr)
	flightSuite := suite{
		count: func(t *testing.T, headers []string, query string, args ...any) int64 {
			t.Helper()
			hctx := metadata.AppendToOutgoingContext(ctx, headers...)
			var info *flight.FlightInfo
			var err error
			if len(args) == 0 {
				info, err = cl.Execute(hctx, query)
			} else {
				stmt, perr := cl.Prepare(hctx, query)
				if perr != nil {
					t.Fatal(perr)
				}
				defer stmt.Close(hctx)
				stmt.SetParameters(paramBatch(t, args...))
				info, err = stmt.Execute(hctx)
			}
			if err != nil {
				t.Fatalf("%s: %v", query, err)
			}
			rdr, err := cl.DoGet(hctx, info.Endpoint[0].Ticket)
			if err != nil {
				t.Fatal(err)
			}
			defer rdr.Release()
			rdr.Next()
			return firstInt(t, rdr.RecordBatch().Column(0).ValueStr(0))
		},
		rows: func(t *testing.T, query string) int64 {
			t.Helper()
			rdr := queryReader(ctx, t, cl, query)
			var n int64
			for rdr.Next() {
				n += rdr.RecordBatch().NumRows()
			}
			return n
		},
		queryErr: func(query string) error {
			_, err := cl.Execute(ctx, query)
			return err
		},
	}
	open := func(headers []string) *sql.DB {
		v := url.Values{}
		for i := 0; i < len(headers); i += 2 {
			v.Set(headers[i], headers[i+1])
		}
		dsn := "flightsql://" + addr
		if len(v) > 0 {
			dsn += "?" + v.Encode()
		}
		db, err := sql.Open("flightsql", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	sqlSuite := suite{
		count: func(t *testing.T, headers []string, query string, args ...any) int64 {
			t.Helper()
			var n int64
			if err := open(headers).QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
			return n
		},
		rows: func(t *testing.T, query string) int64 {
			t.Helper()
			rows, err := open(nil).QueryContext(ctx, query)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var n int64
			for rows.Next() {
				n++
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return n
		},
		queryErr: func(query string) error {
			rows, err := open(nil).QueryContext(ctx, query)
			if err == nil {
				rows.Close()
			}
			return err
		},
	}
	for name, s := range map[string]suite{"flightsql": flightSuite, "database-sql": sqlSuite} {
		t.Run(name, func(t *testing.T) {
			if n := s.count(t, nil, "SELECT count(*) FROM log_entries"); n != fixLines {
				t.Errorf("statement: %d, want %d", n, fixLines)
			}
			if n := s.count(t, nil, "SELECT count(*) FROM log_entries WHERE level = ? AND msg <> ?", int64(3), "x"); n != fixLines {
				t.Errorf("prepared with parameters: %d, want %d", n, fixLines)
			}
			if n := s.count(t, rangeHeaders, "SELECT count(*) FROM measures WHERE name = 'queue_depth'"); n != fixMetrics {
				t.Errorf("time range headers: %d measures, want %d", n, fixMetrics)
			}
			if n := s.count(t, past, "SELECT count(*) FROM log_entries"); n != 0 {
				t.Errorf("time range in the past: %d rows, want 0", n)
			}
			if n := s.rows(t, "SELECT range FROM range(300000)"); n != 300000 {
				t.Errorf("large result: %d rows", n)
			}
			err := s.queryErr("SELECT nope FROM log_entries")
			if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "nope") {
				t.Errorf("bad SQL: %v, want InvalidArgument naming the column", err)
			}
		})
	}

	t.Run("metadata", func(t *testing.T) {
		info, err := cl.GetTables(ctx, &flightsql.GetTablesOpts{IncludeSchema: true})
		if err != nil {
			t.Fatal(err)
		}
		rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
		if err != nil {
			t.Fatal(err)
		}
		defer rdr.Release()
		tables := map[string]bool{}
		for rdr.Next() {
			rec := rdr.RecordBatch()
			for i := range int(rec.NumRows()) {
				name := rec.Column(2).ValueStr(i)
				tables[name] = true
				schema, err := flight.DeserializeSchema(rec.Column(4).(interface{ Value(int) []byte }).Value(i), memory.DefaultAllocator)
				if err != nil || schema.NumFields() == 0 {
					t.Errorf("table %s: schema %v, %v", name, schema, err)
				}
			}
		}
		for _, want := range []string{"log_entries", "measures", "processes", "streams", "blocks", "log_stats"} {
			if !tables[want] {
				t.Errorf("GetTables lacks %s: %v", want, tables)
			}
		}
		for _, call := range []func() (*flight.FlightInfo, error){
			func() (*flight.FlightInfo, error) { return cl.GetCatalogs(ctx) },
			func() (*flight.FlightInfo, error) { return cl.GetDBSchemas(ctx, &flightsql.GetDBSchemasOpts{}) },
			func() (*flight.FlightInfo, error) { return cl.GetTableTypes(ctx) },
			func() (*flight.FlightInfo, error) {
				return cl.GetSqlInfo(ctx, []flightsql.SqlInfo{flightsql.SqlInfoFlightSqlServerName})
			},
		} {
			info, err := call()
			if err != nil {
				t.Fatal(err)
			}
			rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
			if err != nil {
				t.Fatal(err)
			}
			for rdr.Next() {
			}
			if err := rdr.Err(); err != nil {
				t.Error(err)
			}
			rdr.Release()
		}
	})
}

func firstInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("not a count: %q", s)
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// paramBatch is one row of parameters, as a Flight SQL client binds them.
func paramBatch(t *testing.T, args ...any) arrow.RecordBatch {
	t.Helper()
	fields := make([]arrow.Field, len(args))
	for i, a := range args {
		switch a.(type) {
		case int64:
			fields[i] = arrow.Field{Name: "p" + itoa(i), Type: arrow.PrimitiveTypes.Int64}
		case string:
			fields[i] = arrow.Field{Name: "p" + itoa(i), Type: arrow.BinaryTypes.String}
		default:
			t.Fatalf("paramBatch: unsupported %T", a)
		}
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for i, a := range args {
		switch v := a.(type) {
		case int64:
			b.Field(i).(*array.Int64Builder).Append(v)
		case string:
			b.Field(i).(*array.StringBuilder).Append(v)
		}
	}
	rec := b.NewRecordBatch()
	t.Cleanup(rec.Release)
	return rec
}
