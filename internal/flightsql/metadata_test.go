package flightsql

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func strPtr(s string) *string { return &s }

func int32Ptr(v int32) *int32 { return &v }

func TestGetTables(t *testing.T) {
	q := newFakeQuerier()
	q.tables = []TableInfo{
		{Name: "processes", Schema: intSchema},
		{Name: "log_entries", Schema: basicSchema},
		{Name: "log_stats", Schema: nil},
	}
	ts := startServer(t, fakeTableLister{q})
	cl := newClient(t, ts.addr)
	ctx := context.Background()
	tests := []struct {
		name  string
		opts  *flightsql.GetTablesOpts
		names []string
	}{
		{"all", &flightsql.GetTablesOpts{}, []string{"log_entries", "log_stats", "processes"}},
		{"name pattern", &flightsql.GetTablesOpts{TableNameFilterPattern: strPtr("log%")}, []string{"log_entries", "log_stats"}},
		{"underscore", &flightsql.GetTablesOpts{TableNameFilterPattern: strPtr("log_stat_")}, []string{"log_stats"}},
		{"type table", &flightsql.GetTablesOpts{TableTypes: []string{"TABLE"}}, []string{"log_entries", "log_stats", "processes"}},
		{"type view", &flightsql.GetTablesOpts{TableTypes: []string{"VIEW"}}, nil},
		{"other catalog", &flightsql.GetTablesOpts{Catalog: strPtr("main")}, nil},
		{"schema pattern", &flightsql.GetTablesOpts{DbSchemaFilterPattern: strPtr("%")}, []string{"log_entries", "log_stats", "processes"}},
		{"with schema", &flightsql.GetTablesOpts{IncludeSchema: true, TableNameFilterPattern: strPtr("log_entries")}, []string{"log_entries"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := cl.GetTables(ctx, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			_, recs, err := readEndpoints(ctx, t, cl, info)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, r := range recs {
				col := r.Column(2).(*array.String)
				for i := range col.Len() {
					names = append(names, col.Value(i))
					if got := r.Column(3).(*array.String).Value(i); got != "table" {
						t.Errorf("table_type = %q", got)
					}
				}
				if tt.opts.IncludeSchema {
					raw := r.Column(4).(*array.Binary).Value(0)
					s, err := flight.DeserializeSchema(raw, memory.DefaultAllocator)
					if err != nil {
						t.Fatalf("table_schema: %v", err)
					}
					if !s.Equal(basicSchema) {
						t.Errorf("table_schema = %s, want %s", s, basicSchema)
					}
				}
			}
			if len(names) != len(tt.names) {
				t.Fatalf("tables = %v, want %v", names, tt.names)
			}
			for i := range names {
				if names[i] != tt.names[i] {
					t.Fatalf("tables = %v, want %v", names, tt.names)
				}
			}
		})
	}
}

func TestGetTablesWithoutLister(t *testing.T) {
	ts := startServer(t, newFakeQuerier())
	cl := newClient(t, ts.addr)
	ctx := context.Background()
	info, err := cl.GetTables(ctx, &flightsql.GetTablesOpts{})
	if err != nil {
		t.Fatal(err)
	}
	_, recs, err := readEndpoints(ctx, t, cl, info)
	if err != nil {
		t.Fatal(err)
	}
	if n := totalRows(recs); n != 0 {
		t.Errorf("got %d tables from a querier that lists none", n)
	}
}

func TestMetadataCommands(t *testing.T) {
	ts := startServer(t, newFakeQuerier())
	cl := newClient(t, ts.addr)
	ctx := context.Background()
	tests := []struct {
		name string
		call func() (*flight.FlightInfo, error)
		rows int64
	}{
		{"table types", func() (*flight.FlightInfo, error) { return cl.GetTableTypes(ctx) }, 1},
		{"catalogs", func() (*flight.FlightInfo, error) { return cl.GetCatalogs(ctx) }, 0},
		{"db schemas", func() (*flight.FlightInfo, error) { return cl.GetDBSchemas(ctx, &flightsql.GetDBSchemasOpts{}) }, 0},
		{"xdbc types", func() (*flight.FlightInfo, error) { return cl.GetXdbcTypeInfo(ctx, nil) }, int64(len(xdbcTypes))},
		{"xdbc bigint", func() (*flight.FlightInfo, error) { return cl.GetXdbcTypeInfo(ctx, int32Ptr(-5)) }, 1},
		{"xdbc unknown", func() (*flight.FlightInfo, error) { return cl.GetXdbcTypeInfo(ctx, int32Ptr(2014)) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := tt.call()
			if err != nil {
				t.Fatal(err)
			}
			_, recs, err := readEndpoints(ctx, t, cl, info)
			if err != nil {
				t.Fatal(err)
			}
			if n := totalRows(recs); n != tt.rows {
				t.Errorf("rows = %d, want %d", n, tt.rows)
			}
		})
	}
}

func TestGetSqlInfo(t *testing.T) {
	ts := startServer(t, newFakeQuerier())
	cl := newClient(t, ts.addr)
	ctx := context.Background()
	info, err := cl.GetSqlInfo(ctx, []flightsql.SqlInfo{flightsql.SqlInfoFlightSqlServerName, flightsql.SqlInfoFlightSqlServerReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	_, recs, err := readEndpoints(ctx, t, cl, info)
	if err != nil {
		t.Fatal(err)
	}
	got := map[uint32]any{}
	for _, r := range recs {
		names := r.Column(0).(*array.Uint32)
		vals := r.Column(1).(*array.DenseUnion)
		for i := range int(r.NumRows()) {
			child := vals.Field(vals.ChildID(i))
			off := int(vals.ValueOffset(i))
			switch c := child.(type) {
			case *array.String:
				got[names.Value(i)] = c.Value(off)
			case *array.Boolean:
				got[names.Value(i)] = c.Value(off)
			default:
				got[names.Value(i)] = arrow.Null
			}
		}
	}
	if got[uint32(flightsql.SqlInfoFlightSqlServerName)] != ServerName {
		t.Errorf("server name = %v, want %q", got[uint32(flightsql.SqlInfoFlightSqlServerName)], ServerName)
	}
	if got[uint32(flightsql.SqlInfoFlightSqlServerReadOnly)] != true {
		t.Errorf("read only = %v, want true", got[uint32(flightsql.SqlInfoFlightSqlServerReadOnly)])
	}
}
