package flightsql

import "github.com/apache/arrow-go/v18/arrow"

// clientParamSchema turns the parameter types an engine expects into the
// parameter schema a prepared statement reports, or nil when it should
// report none.
//
// Clients build their parameter batch from this schema, and some fill it
// only from their own canonical values: arrow-go's database/sql driver
// converts every integer argument to int64 and every float to float64,
// and fails when a field has another type; it also checks the number of
// arguments against the schema. The server converts what it receives to
// the engine's type anyway, so integer parameters are reported as int64,
// and strings and booleans as they are. Any other parameter type makes the
// whole schema unknown, and clients then choose the types: a float
// parameter (a DOUBLE column) is often given an integer, which the driver
// could not put in a float64 field; timestamps, which that driver can
// only send as time64; binary; or a type the engine cannot infer.
func clientParamSchema(engine *arrow.Schema) *arrow.Schema {
	if engine == nil || engine.NumFields() == 0 {
		return nil
	}
	fields := make([]arrow.Field, engine.NumFields())
	for i, f := range engine.Fields() {
		var t arrow.DataType
		switch f.Type.ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
			arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
			t = arrow.PrimitiveTypes.Int64
		case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
			t = arrow.BinaryTypes.String
		case arrow.BOOL:
			t = arrow.FixedWidthTypes.Boolean
		default:
			return nil
		}
		fields[i] = arrow.Field{Name: f.Name, Type: t, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}
