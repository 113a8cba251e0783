package flightsql

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql/schema_ref"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ServerName is the FLIGHT_SQL_SERVER_NAME reported by GetSqlInfo.
const ServerName = "Micromegas Flight SQL Server"

// tableType is the only table type the server reports.
const tableType = "table"

// registerSQLInfo sets the answers to GetSqlInfo: those of the original
// server (0-2 and 508-512, the lists from d), and the read-only,
// transaction and cancel capabilities that generic clients (ADBC, JDBC)
// ask for.
func (s *service) registerSQLInfo(d Dialect) error {
	infos := []struct {
		id  flightsql.SqlInfo
		val any
	}{
		{flightsql.SqlInfoFlightSqlServerName, ServerName},
		{flightsql.SqlInfoFlightSqlServerVersion, "1"},
		{flightsql.SqlInfoFlightSqlServerArrowVersion, "1.3"},
		{flightsql.SqlInfoFlightSqlServerReadOnly, true},
		{flightsql.SqlInfoFlightSqlServerSql, true},
		{flightsql.SqlInfoFlightSqlServerSubstrait, false},
		{flightsql.SqlInfoFlightSqlServerTransaction, int32(flightsql.SqlTransactionNone)},
		{flightsql.SqlInfoFlightSqlServerCancel, false},
		{flightsql.SqlInfoKeywords, nonNil(d.Keywords)},
		{flightsql.SqlInfoNumericFunctions, nonNil(d.NumericFunctions)},
		{flightsql.SqlInfoStringFunctions, nonNil(d.StringFunctions)},
		{flightsql.SqlInfoSystemFunctions, nonNil(d.SystemFunctions)},
		{flightsql.SqlInfoDateTimeFunctions, nonNil(d.DateTimeFunctions)},
	}
	for _, info := range infos {
		if err := s.RegisterSqlInfo(info.id, info.val); err != nil {
			return fmt.Errorf("register sql info %d: %w", info.id, err)
		}
	}
	return nil
}

// nonNil returns list, or an empty list when it is nil.
func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// metadataInfo is the FlightInfo of a metadata command: its ticket is the
// command itself, which DoGet routes back to the matching DoGet method.
func (s *service) metadataInfo(desc *flight.FlightDescriptor, schema *arrow.Schema) *flight.FlightInfo {
	return &flight.FlightInfo{
		Schema:           flight.SerializeSchema(schema, s.alloc),
		FlightDescriptor: desc,
		Endpoint:         []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: desc.Cmd}}},
		TotalRecords:     -1,
		TotalBytes:       -1,
	}
}

// GetFlightInfoTables answers GetTables.
func (s *service) GetFlightInfoTables(_ context.Context, cmd flightsql.GetTables, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, tablesSchema(cmd)), nil
}

// DoGetTables lists the tables of the Querier when it is a TableLister, in
// catalog "" and schema "", with type "table". Their schemas are those a
// query of the table returns: dictionary-encoded columns are announced as
// plain ones unless the request has "preserve_dictionary: true", as DoGet
// sends them.
func (s *service) DoGetTables(ctx context.Context, cmd flightsql.GetTables) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	var tables []TableInfo
	if lister, ok := s.querier.(TableLister); ok {
		var err error
		if tables, err = lister.Tables(ctx); err != nil {
			return nil, nil, toStatus("list tables", err)
		}
	}
	tables, err := filterTables(tables, cmd)
	if err != nil {
		return nil, nil, err
	}
	preserve := preserveDictionary(ctx)
	schema := tablesSchema(cmd)
	b := array.NewRecordBuilder(s.alloc, schema)
	defer b.Release()
	for _, t := range tables {
		b.Field(0).(*array.StringBuilder).Append("")
		b.Field(1).(*array.StringBuilder).Append("")
		b.Field(2).(*array.StringBuilder).Append(t.Name)
		b.Field(3).(*array.StringBuilder).Append(tableType)
		if cmd.GetIncludeSchema() {
			ts := t.Schema
			if ts == nil {
				ts = arrow.NewSchema(nil, nil)
			}
			if !preserve {
				ts = plainSchema(ts)
			}
			b.Field(4).(*array.BinaryBuilder).Append(flight.SerializeSchema(ts, s.alloc))
		}
	}
	return oneBatch(schema, b.NewRecordBatch())
}

func tablesSchema(cmd flightsql.GetTables) *arrow.Schema {
	if cmd.GetIncludeSchema() {
		return schema_ref.TablesWithIncludedSchema
	}
	return schema_ref.Tables
}

// filterTables applies the catalog, schema, name and type filters of cmd.
func filterTables(tables []TableInfo, cmd flightsql.GetTables) ([]TableInfo, error) {
	if c := cmd.GetCatalog(); c != nil && *c != "" {
		return nil, nil
	}
	if p := cmd.GetDBSchemaFilterPattern(); p != nil {
		re, err := likePattern(*p)
		if err != nil {
			return nil, err
		}
		if !re.MatchString("") {
			return nil, nil
		}
	}
	// "BASE TABLE" is the information schema's name of the type, which
	// the Grafana plugin asks for.
	if types := cmd.GetTableTypes(); len(types) > 0 &&
		!slices.ContainsFunc(types, func(t string) bool { return strings.EqualFold(t, tableType) || strings.EqualFold(t, "BASE TABLE") }) {
		return nil, nil
	}
	var out []TableInfo
	var re *regexp.Regexp
	if p := cmd.GetTableNameFilterPattern(); p != nil {
		var err error
		if re, err = likePattern(*p); err != nil {
			return nil, err
		}
	}
	for _, t := range tables {
		if re == nil || re.MatchString(t.Name) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b TableInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// likePattern compiles a Flight SQL filter pattern, where % matches any
// substring and _ any one character.
func likePattern(p string) (*regexp.Regexp, error) {
	var sb strings.Builder
	sb.WriteString("^")
	for _, r := range p {
		switch r {
		case '%':
			sb.WriteString(".*")
		case '_':
			sb.WriteString(".")
		default:
			sb.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	sb.WriteString("$")
	re, err := regexp.Compile(sb.String())
	if err != nil {
		return nil, fmt.Errorf("filter pattern %q: %w", p, err)
	}
	return re, nil
}

// GetFlightInfoTableTypes answers GetTableTypes.
func (s *service) GetFlightInfoTableTypes(_ context.Context, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, schema_ref.TableTypes), nil
}

// DoGetTableTypes returns the single table type, "table".
func (s *service) DoGetTableTypes(context.Context) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(s.alloc, schema_ref.TableTypes)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).Append(tableType)
	return oneBatch(schema_ref.TableTypes, b.NewRecordBatch())
}

// GetFlightInfoCatalogs answers GetCatalogs.
func (s *service) GetFlightInfoCatalogs(_ context.Context, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, schema_ref.Catalogs), nil
}

// DoGetCatalogs returns no catalogs: tables live in the unnamed catalog.
func (s *service) DoGetCatalogs(context.Context) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	return noBatch(schema_ref.Catalogs)
}

// GetFlightInfoSchemas answers GetDbSchemas.
func (s *service) GetFlightInfoSchemas(_ context.Context, _ flightsql.GetDBSchemas, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, schema_ref.DBSchemas), nil
}

// DoGetDBSchemas returns the one schema, "" in catalog "", where GetTables
// places every table (unless the filters exclude it), so that clients that
// walk catalogs, then schemas, then tables (ADBC GetObjects) find them.
func (s *service) DoGetDBSchemas(_ context.Context, cmd flightsql.GetDBSchemas) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	if c := cmd.GetCatalog(); c != nil && *c != "" {
		return noBatch(schema_ref.DBSchemas)
	}
	if p := cmd.GetDBSchemaFilterPattern(); p != nil {
		re, err := likePattern(*p)
		if err != nil {
			return nil, nil, status.Errorf(codes.InvalidArgument, "%v", err)
		}
		if !re.MatchString("") {
			return noBatch(schema_ref.DBSchemas)
		}
	}
	b := array.NewRecordBuilder(s.alloc, schema_ref.DBSchemas)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).Append("")
	b.Field(1).(*array.StringBuilder).Append("")
	return oneBatch(schema_ref.DBSchemas, b.NewRecordBatch())
}

// noBatch returns a closed channel: the client receives the schema only,
// as from the original server. Clients index the first batch when one
// comes, so an empty result must send none (the Grafana plugin fails on a
// batch of zero rows).
func noBatch(schema *arrow.Schema) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	ch := make(chan flight.StreamChunk)
	close(ch)
	return schema, ch, nil
}

// oneBatch returns a closed channel holding rec, or no batch when rec has
// no rows (see noBatch).
func oneBatch(schema *arrow.Schema, rec arrow.RecordBatch) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	if rec.NumRows() == 0 {
		rec.Release()
		return noBatch(schema)
	}
	ch := make(chan flight.StreamChunk, 1)
	ch <- flight.StreamChunk{Data: rec}
	close(ch)
	return schema, ch, nil
}
