package flightsql

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql/schema_ref"
)

// xdbcType is one SQL type the engine returns, as GetXdbcTypeInfo
// describes it (JDBC/ODBC type codes).
type xdbcType struct {
	name     string
	code     int32 // java.sql.Types
	size     int32 // column size, 0 when not applicable
	quoted   bool  // literals are written between quotes
	unsigned bool
	maxScale int32
}

// xdbcTypes are the types of the Micromegas views and DuckDB results,
// ordered by type code as the specification asks.
var xdbcTypes = []xdbcType{
	{name: "TINYINT", code: -6, size: 3},
	{name: "BIGINT", code: -5, size: 19},
	{name: "BLOB", code: -3, size: 2147483647, quoted: true}, // VARBINARY
	{name: "DECIMAL", code: 3, size: 38, maxScale: 38},
	{name: "INTEGER", code: 4, size: 10},
	{name: "SMALLINT", code: 5, size: 5},
	{name: "FLOAT", code: 6, size: 7},
	{name: "DOUBLE", code: 8, size: 15},
	{name: "VARCHAR", code: 12, size: 2147483647, quoted: true},
	{name: "BOOLEAN", code: 16, size: 1},
	{name: "DATE", code: 91, size: 10, quoted: true},
	{name: "TIME", code: 92, size: 15, quoted: true},
	{name: "TIMESTAMP", code: 93, size: 29, quoted: true},
}

// GetFlightInfoXdbcTypeInfo answers GetXdbcTypeInfo.
func (s *service) GetFlightInfoXdbcTypeInfo(_ context.Context, _ flightsql.GetXdbcTypeInfo, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, schema_ref.XdbcTypeInfo), nil
}

// DoGetXdbcTypeInfo lists the SQL types, or the one asked for.
func (s *service) DoGetXdbcTypeInfo(_ context.Context, cmd flightsql.GetXdbcTypeInfo) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(s.alloc, schema_ref.XdbcTypeInfo)
	defer b.Release()
	for _, t := range xdbcTypes {
		if want := cmd.GetDataType(); want != nil && *want != t.code {
			continue
		}
		appendXdbcType(b, t)
	}
	return oneBatch(schema_ref.XdbcTypeInfo, b.NewRecordBatch())
}

func appendXdbcType(b *array.RecordBuilder, t xdbcType) {
	str := func(i int, v string, ok bool) {
		if ok {
			b.Field(i).(*array.StringBuilder).Append(v)
		} else {
			b.Field(i).AppendNull()
		}
	}
	b.Field(0).(*array.StringBuilder).Append(t.name)
	b.Field(1).(*array.Int32Builder).Append(t.code)
	b.Field(2).(*array.Int32Builder).Append(t.size)
	str(3, "'", t.quoted)
	str(4, "'", t.quoted)
	cp := b.Field(5).(*array.ListBuilder)
	cp.Append(true)
	if t.code == 3 {
		cp.ValueBuilder().(*array.StringBuilder).AppendValues([]string{"precision", "scale"}, nil)
	}
	b.Field(6).(*array.Int32Builder).Append(1) // nullable
	b.Field(7).(*array.BooleanBuilder).Append(t.quoted && t.code == 12)
	b.Field(8).(*array.Int32Builder).Append(3) // searchable
	b.Field(9).(*array.BooleanBuilder).Append(t.unsigned)
	b.Field(10).(*array.BooleanBuilder).Append(false)
	b.Field(11).(*array.BooleanBuilder).Append(false)
	str(12, t.name, true)
	b.Field(13).(*array.Int32Builder).Append(0)
	b.Field(14).(*array.Int32Builder).Append(t.maxScale)
	b.Field(15).(*array.Int32Builder).Append(t.code)
	b.Field(16).AppendNull()
	if t.quoted {
		b.Field(17).AppendNull()
	} else {
		b.Field(17).(*array.Int32Builder).Append(10)
	}
	b.Field(18).AppendNull()
}
