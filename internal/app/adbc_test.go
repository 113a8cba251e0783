package app

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	adbcflightsql "github.com/apache/arrow-adbc/go/adbc/driver/flightsql"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestADBCDriver runs the ADBC Flight SQL driver, a third client written
// by others, against the real server: bound parameters, catalog discovery
// (GetObjects, GetTableSchema) and a result of a million rows.
func TestADBCDriver(t *testing.T) {
	a := startApp(t)
	emitTelemetry(t, a)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	db, err := adbcflightsql.NewDriver(memory.DefaultAllocator).NewDatabase(map[string]string{
		adbc.OptionKeyURI: "grpc://" + a.FlightSQLAddr().String(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cnxn, err := db.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cnxn.Close()

	t.Run("bound parameters", func(t *testing.T) {
		rdr := adbcQuery(ctx, t, cnxn, "SELECT count(*) AS n FROM log_entries WHERE level = ? AND target = ?",
			paramBatch(t, int64(3), "fixture/log"))
		defer rdr.Release()
		var n int64
		for rdr.Next() {
			n += rdr.RecordBatch().Column(0).(*array.Int64).Value(0)
		}
		if err := rdr.Err(); err != nil {
			t.Fatal(err)
		}
		if n != fixLines {
			t.Errorf("count = %d, want %d", n, fixLines)
		}
	})

	t.Run("GetTableSchema is the query's schema", func(t *testing.T) {
		for _, table := range []string{"log_entries", "measures", "processes", "blocks", "log_stats"} {
			declared, err := cnxn.GetTableSchema(ctx, nil, nil, table)
			if err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			rdr := adbcQuery(ctx, t, cnxn, "SELECT * FROM "+table, nil)
			for rdr.Next() {
			}
			if err := rdr.Err(); err != nil {
				t.Fatal(err)
			}
			if !declared.Equal(rdr.Schema()) {
				t.Errorf("%s: GetTableSchema\n%s\nbut the query returns\n%s", table, declared, rdr.Schema())
			}
			rdr.Release()
		}
		if _, err := cnxn.GetTableSchema(ctx, nil, nil, "log_entriez"); err == nil {
			t.Error("GetTableSchema of a missing table succeeded")
		}
	})

	t.Run("GetObjects", func(t *testing.T) {
		rdr, err := cnxn.GetObjects(ctx, adbc.ObjectDepthAll, nil, nil, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer rdr.Release()
		columns := map[string][]string{} // by table
		for rdr.Next() {
			collectObjects(rdr.RecordBatch(), columns)
		}
		if err := rdr.Err(); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"log_entries", "measures", "processes", "streams", "blocks", "log_stats", "measure_stats"} {
			if _, ok := columns[table]; !ok {
				t.Errorf("GetObjects lacks table %s: %v", table, columns)
			}
		}
		if cols := columns["log_entries"]; !slices.Equal(cols, []string{"process_id", "stream_id", "block_id", "insert_time",
			"exe", "username", "computer", "time", "target", "level", "msg", "properties", "process_properties"}) {
			t.Errorf("log_entries columns = %v", cols)
		}
	})

	t.Run("a million rows stream", func(t *testing.T) {
		const n = 1_000_000
		rdr := adbcQuery(ctx, t, cnxn, "SELECT range AS i, range * 2 AS j FROM range(1000000)", nil)
		defer rdr.Release()
		var rows, sum, batches int64
		for rdr.Next() {
			rec := rdr.RecordBatch()
			batches++
			rows += rec.NumRows()
			for _, v := range rec.Column(0).(*array.Int64).Int64Values() {
				sum += v
			}
		}
		if err := rdr.Err(); err != nil {
			t.Fatal(err)
		}
		if rows != n || sum != n*(n-1)/2 {
			t.Errorf("%d rows summing to %d, want %d rows summing to %d", rows, sum, n, n*(n-1)/2)
		}
		if batches < 2 {
			t.Errorf("%d batch: the result was not streamed", batches)
		}
	})
}

// adbcQuery prepares sql, binds params (when not nil) and runs it.
func adbcQuery(ctx context.Context, t *testing.T, cnxn adbc.Connection, sql string, params arrow.RecordBatch) array.RecordReader {
	t.Helper()
	stmt, err := cnxn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stmt.Close() })
	if err := stmt.SetSqlQuery(sql); err != nil {
		t.Fatal(err)
	}
	if params != nil {
		if err := stmt.Prepare(ctx); err != nil {
			t.Fatalf("%s: prepare: %v", sql, err)
		}
		if err := stmt.Bind(ctx, params); err != nil {
			t.Fatalf("%s: bind: %v", sql, err)
		}
	}
	rdr, _, err := stmt.ExecuteQuery(ctx)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rdr
}

// collectObjects adds the tables of one GetObjects batch, with their
// column names in order, to columns.
func collectObjects(rec arrow.RecordBatch, columns map[string][]string) {
	schemas := rec.Column(1).(*array.List)
	schemaStructs := schemas.ListValues().(*array.Struct)
	tables := schemaStructs.Field(1).(*array.List)
	tableStructs := tables.ListValues().(*array.Struct)
	names := tableStructs.Field(0).(*array.String)
	cols := tableStructs.Field(2).(*array.List)
	colStructs := cols.ListValues().(*array.Struct)
	colNames := colStructs.Field(0).(*array.String)
	for i := range names.Len() {
		start, end := cols.ValueOffsets(i)
		list := []string{}
		for j := start; j < end; j++ {
			list = append(list, colNames.Value(int(j)))
		}
		columns[names.Value(i)] = list
	}
}
