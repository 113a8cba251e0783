package flightsql

import (
	"context"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/metadata"
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
		name     string
		opts     *flightsql.GetTablesOpts
		names    []string
		preserve bool // send preserve_dictionary: true
	}{
		{"all", &flightsql.GetTablesOpts{}, []string{"log_entries", "log_stats", "processes"}, false},
		{"name pattern", &flightsql.GetTablesOpts{TableNameFilterPattern: strPtr("log%")}, []string{"log_entries", "log_stats"}, false},
		{"underscore", &flightsql.GetTablesOpts{TableNameFilterPattern: strPtr("log_stat_")}, []string{"log_stats"}, false},
		{"type table", &flightsql.GetTablesOpts{TableTypes: []string{"TABLE"}}, []string{"log_entries", "log_stats", "processes"}, false},
		{"type base table", &flightsql.GetTablesOpts{TableTypes: []string{"BASE TABLE"}}, []string{"log_entries", "log_stats", "processes"}, false},
		{"type view", &flightsql.GetTablesOpts{TableTypes: []string{"VIEW"}}, nil, false},
		{"other catalog", &flightsql.GetTablesOpts{Catalog: strPtr("main")}, nil, false},
		{"schema pattern", &flightsql.GetTablesOpts{DbSchemaFilterPattern: strPtr("%")}, []string{"log_entries", "log_stats", "processes"}, false},
		{"with schema", &flightsql.GetTablesOpts{IncludeSchema: true, TableNameFilterPattern: strPtr("log_entries")}, []string{"log_entries"}, false},
		{"with dictionaries", &flightsql.GetTablesOpts{IncludeSchema: true, TableNameFilterPattern: strPtr("log_entries")}, []string{"log_entries"}, true},
		{"no match", &flightsql.GetTablesOpts{IncludeSchema: true, TableNameFilterPattern: strPtr("log_entriez")}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := ctx
			if tt.preserve {
				ctx = metadata.AppendToOutgoingContext(ctx, HeaderPreserveDictionary, "true")
			}
			info, err := cl.GetTables(ctx, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			_, recs, err := readEndpoints(ctx, t, cl, info)
			if err != nil {
				t.Fatal(err)
			}
			if len(tt.names) == 0 && len(recs) != 0 {
				t.Errorf("no table matches but %d batches came: an empty result is the schema alone", len(recs))
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
					// As DoGet sends the table's rows: dictionaries
					// decoded unless asked to preserve them.
					want := plainSchema(basicSchema)
					if tt.preserve {
						want = basicSchema
					}
					if !s.Equal(want) {
						t.Errorf("table_schema = %s, want %s", s, want)
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
		{"db schemas", func() (*flight.FlightInfo, error) { return cl.GetDBSchemas(ctx, &flightsql.GetDBSchemasOpts{}) }, 1},
		{"db schemas of a catalog", func() (*flight.FlightInfo, error) {
			return cl.GetDBSchemas(ctx, &flightsql.GetDBSchemasOpts{Catalog: strPtr("main")})
		}, 0},
		{"db schemas by pattern", func() (*flight.FlightInfo, error) {
			return cl.GetDBSchemas(ctx, &flightsql.GetDBSchemasOpts{DbSchemaFilterPattern: strPtr("public")})
		}, 0},
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
			// An empty result is its schema alone, without a batch of
			// zero rows, which some clients index.
			if tt.rows == 0 && len(recs) != 0 {
				t.Errorf("%d batches for an empty result, want none", len(recs))
			}
		})
	}
}

func TestGetSqlInfo(t *testing.T) {
	dialect := Dialect{
		Keywords:          []string{"SELECT", "FROM"},
		NumericFunctions:  []string{"abs"},
		StringFunctions:   []string{"lower", "upper"},
		SystemFunctions:   []string{"level_name"},
		DateTimeFunctions: []string{"date_bin"},
	}
	ts := startServer(t, newFakeQuerier(), func(o *Options) { o.Dialect = dialect })
	cl := newClient(t, ts.addr)
	ctx := context.Background()
	// The codes the original registers, and the read-only flag.
	ids := []flightsql.SqlInfo{
		flightsql.SqlInfoFlightSqlServerName, flightsql.SqlInfoFlightSqlServerVersion,
		flightsql.SqlInfoFlightSqlServerArrowVersion, flightsql.SqlInfoFlightSqlServerReadOnly,
		flightsql.SqlInfoKeywords, flightsql.SqlInfoNumericFunctions, flightsql.SqlInfoStringFunctions,
		flightsql.SqlInfoSystemFunctions, flightsql.SqlInfoDateTimeFunctions,
	}
	info, err := cl.GetSqlInfo(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	_, recs, err := readEndpoints(ctx, t, cl, info)
	if err != nil {
		t.Fatal(err)
	}
	got := map[flightsql.SqlInfo]any{}
	for _, r := range recs {
		names := r.Column(0).(*array.Uint32)
		vals := r.Column(1).(*array.DenseUnion)
		for i := range int(r.NumRows()) {
			child := vals.Field(vals.ChildID(i))
			off := int(vals.ValueOffset(i))
			id := flightsql.SqlInfo(names.Value(i))
			switch c := child.(type) {
			case *array.String:
				got[id] = c.Value(off)
			case *array.Boolean:
				got[id] = c.Value(off)
			case *array.List:
				start, end := c.ValueOffsets(off)
				strs := c.ListValues().(*array.String)
				var list []string
				for j := start; j < end; j++ {
					list = append(list, strs.Value(int(j)))
				}
				got[id] = list
			default:
				got[id] = arrow.Null
			}
		}
	}
	want := map[flightsql.SqlInfo]any{
		flightsql.SqlInfoFlightSqlServerName:         ServerName,
		flightsql.SqlInfoFlightSqlServerVersion:      "1",
		flightsql.SqlInfoFlightSqlServerArrowVersion: "1.3",
		flightsql.SqlInfoFlightSqlServerReadOnly:     true,
		flightsql.SqlInfoKeywords:                    dialect.Keywords,
		flightsql.SqlInfoNumericFunctions:            dialect.NumericFunctions,
		flightsql.SqlInfoStringFunctions:             dialect.StringFunctions,
		flightsql.SqlInfoSystemFunctions:             dialect.SystemFunctions,
		flightsql.SqlInfoDateTimeFunctions:           dialect.DateTimeFunctions,
	}
	for id, w := range want {
		if !reflect.DeepEqual(got[id], w) {
			t.Errorf("sql info %d = %v, want %v", id, got[id], w)
		}
	}
}
