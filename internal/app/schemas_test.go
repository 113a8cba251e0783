package app

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/micromegas-go/micromegas/internal/lakehouse"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// originalNotNull are the non-nullable columns of the global views as the
// original declares them (its Rust schemas for log_entries, measures and
// blocks; for the views made by SQL, the grouping keys and count(*), as
// DataFusion types them; measure_stats, which the original lacks, as
// log_stats). Every other column is nullable.
var originalNotNull = map[string][]string{
	"log_entries": {"process_id", "stream_id", "block_id", "insert_time", "exe", "username", "computer", "time",
		"target", "level", "msg", "properties", "process_properties"},
	"measures": {"process_id", "stream_id", "block_id", "insert_time", "exe", "username", "computer", "time",
		"target", "name", "unit", "value", "properties", "process_properties"},
	"blocks": {"block_id", "stream_id", "process_id", "begin_time", "begin_ticks", "end_time", "end_ticks",
		"nb_objects", "object_offset", "payload_size", "insert_time", "streams.dependencies_metadata",
		"streams.objects_metadata", "streams.properties", "streams.insert_time", "processes.start_time",
		"processes.start_ticks", "processes.tsc_frequency", "processes.exe", "processes.username",
		"processes.realname", "processes.computer", "processes.distro", "processes.cpu_brand",
		"processes.insert_time", "processes.parent_process_id", "processes.properties"},
	"processes":     {"process_id"},
	"streams":       {"stream_id"},
	"log_stats":     {"process_id", "level", "target", "count"},
	"measure_stats": {"process_id", "name", "target", "unit", "count"},
}

// TestGlobalViewSchemas checks, for every global view, that GetTables
// announces the schema GetFlightInfo announces and DoGet returns for
// SELECT * (plain strings unless the client preserves dictionaries; the
// nullability of the original), with data in every view.
func TestGlobalViewSchemas(t *testing.T) {
	a := startApp(t)
	fx := emitTelemetry(t, a)
	sendOTLP(t, httpExporters(t, a), "schema-check") // otel_spans
	cl := newFlightClient(t, a.FlightSQLAddr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tables := getTableSchemas(ctx, t, cl)

	var global []string
	for _, v := range lakehouse.Views() {
		if v.Global {
			global = append(global, v.Name)
		}
	}
	for _, view := range global {
		t.Run(view, func(t *testing.T) {
			declared, ok := tables[view]
			if !ok {
				t.Fatalf("GetTables lacks %s", view)
			}
			described, result, rows := describeAndRun(ctx, t, cl, "SELECT * FROM "+view)
			if rows == 0 {
				t.Errorf("no rows: the check needs data")
			}
			if !declared.Equal(described) || !described.Equal(result) {
				t.Errorf("GetTables\n%s\nGetFlightInfo\n%s\nDoGet\n%s", declared, described, result)
			}
			var notNull []string
			for _, f := range result.Fields() {
				if !f.Nullable {
					notNull = append(notNull, f.Name)
				}
				if f.Type.ID() == arrow.DICTIONARY {
					t.Errorf("column %s is %s, but the client did not ask to preserve dictionaries", f.Name, f.Type)
				}
			}
			want, known := originalNotNull[view]
			if !known {
				return // a view the original lacks: no nullability to match
			}
			if !slices.Equal(notNull, want) {
				t.Errorf("non-nullable columns %v, want %v", notNull, want)
			}
		})
	}
	t.Run("view_instance", func(t *testing.T) {
		_, result, rows := describeAndRun(ctx, t, cl, "SELECT * FROM view_instance('log_entries', '"+fx.processID+"')")
		if rows != fixLines {
			t.Errorf("%d rows, want %d", rows, fixLines)
		}
		if !result.Equal(tables["log_entries"]) {
			t.Errorf("view_instance('log_entries', ...) returns\n%s\nbut log_entries\n%s", result, tables["log_entries"])
		}
	})
	t.Run("expressions are nullable", func(t *testing.T) {
		_, result, _ := describeAndRun(ctx, t, cl, "SELECT level, level + 1 AS next, count(*) AS n FROM log_entries GROUP BY level")
		for i, want := range []bool{false, true, true} {
			if result.Field(i).Nullable != want {
				t.Errorf("%s nullable = %v, want %v", result.Field(i).Name, result.Field(i).Nullable, want)
			}
		}
	})
	t.Run("unknown table", func(t *testing.T) {
		for sql, want := range map[string]string{
			"SELECT * FROM log_entriez":  "Did you mean log_entries?",
			"SELECT * FROM thread_spans": "view_instance('thread_spans', '<stream_id>')",
		} {
			_, err := cl.Execute(ctx, sql)
			if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), want) ||
				strings.Contains(err.Error(), "pg_") {
				t.Errorf("%s: %v, want InvalidArgument saying %q", sql, err, want)
			}
		}
	})
}

// getTableSchemas returns the schemas GetTables announces, by table.
func getTableSchemas(ctx context.Context, t *testing.T, cl *flightsql.Client) map[string]*arrow.Schema {
	t.Helper()
	info, err := cl.GetTables(ctx, &flightsql.GetTablesOpts{IncludeSchema: true})
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	out := map[string]*arrow.Schema{}
	for rdr.Next() {
		rec := rdr.RecordBatch()
		for i := range int(rec.NumRows()) {
			s, err := flight.DeserializeSchema(rec.Column(4).(*array.Binary).Value(i), memory.DefaultAllocator)
			if err != nil {
				t.Fatal(err)
			}
			out[rec.Column(2).(*array.String).Value(i)] = s
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// describeAndRun returns the schema GetFlightInfo announces for sql, the
// schema DoGet streams and the number of rows.
func describeAndRun(ctx context.Context, t *testing.T, cl *flightsql.Client, sql string) (described, result *arrow.Schema, rows int64) {
	t.Helper()
	info, err := cl.Execute(ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if described, err = flight.DeserializeSchema(info.Schema, memory.DefaultAllocator); err != nil {
		t.Fatal(err)
	}
	rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rdr.Release()
	for rdr.Next() {
		if !rdr.RecordBatch().Schema().Equal(rdr.Schema()) {
			t.Errorf("%s: a batch has schema %s, the stream %s", sql, rdr.RecordBatch().Schema(), rdr.Schema())
		}
		rows += rdr.RecordBatch().NumRows()
	}
	if err := rdr.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return described, rdr.Schema(), rows
}

// TestPythonClientTicket runs a query as the original Python client does:
// DoGet of a TicketStatementQuery whose handle is the SQL text, without
// GetFlightInfo, the time range in the headers.
func TestPythonClientTicket(t *testing.T) {
	a := startApp(t)
	fx := emitTelemetry(t, a)
	cl := newFlightClient(t, a.FlightSQLAddr().String())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tests := []struct {
		name  string
		begin time.Time
		rows  int64
	}{
		{"range around the events", fx.begin, fixLines},
		{"range in the past", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			end := fx.end
			if tc.rows == 0 {
				end = tc.begin.Add(time.Hour)
			}
			hctx := metadata.AppendToOutgoingContext(ctx,
				"query_range_begin", tc.begin.Format(time.RFC3339Nano), "query_range_end", end.Format(time.RFC3339Nano))
			ticket, err := flightsql.CreateStatementQueryTicket([]byte("SELECT time, level, msg FROM log_entries"))
			if err != nil {
				t.Fatal(err)
			}
			rdr, err := cl.DoGet(hctx, &flight.Ticket{Ticket: ticket})
			if err != nil {
				t.Fatal(err)
			}
			defer rdr.Release()
			var rows, batches int64
			for rdr.Next() {
				rows += rdr.RecordBatch().NumRows()
				batches++
			}
			if err := rdr.Err(); err != nil {
				t.Fatal(err)
			}
			if rows != tc.rows || (rows == 0 && batches != 0) {
				t.Errorf("%d rows in %d batches, want %d rows (and no batch when there are none)", rows, batches, tc.rows)
			}
			if f := rdr.Schema().Field(1); f.Name != "level" || f.Nullable {
				t.Errorf("schema %s, want a non-nullable level", rdr.Schema())
			}
		})
	}
}
