//go:build duckdb_arrow

package engine

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/duckdb/duckdb-go/v2/arrowmapping"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// ErrParamTypedResult is matched by the error of DescribeStatement for a
// query whose result types depend on its parameter values (SELECT ? AS x):
// only running the query with its values tells the schema.
var ErrParamTypedResult = errors.New("the result types depend on the parameter values")

// Statement is what the engine knows about a query before it runs.
type Statement struct {
	// Schema is the schema of the result.
	Schema *arrow.Schema
	// Params has one field per parameter of the query, in order, named
	// "$1", "$2", ...: the Arrow type of the value DuckDB expects, or
	// arrow.Null when DuckDB cannot infer it from the query (SELECT ?).
	Params *arrow.Schema
}

// ParamsKnown reports whether the type of every parameter is known.
func (s Statement) ParamsKnown() bool {
	if s.Params == nil {
		return false
	}
	for _, f := range s.Params.Fields() {
		if f.Type.ID() == arrow.NULL {
			return false
		}
	}
	return true
}

// bindArgs binds args to the parameter markers of ps ("?" or "$1", "$2",
// ...), in order. The values are bound, never rendered into the SQL text.
// Supported values: nil, bool, signed and unsigned integers, float32,
// float64, string, []byte and time.Time. A count or type the statement
// cannot take is an ErrInvalidQuery error.
func bindArgs(ps mapping.PreparedStatement, args []any) error {
	n := int(mapping.NParams(ps))
	if err := checkNumbering(ps, n); err != nil {
		return err
	}
	if len(args) != n {
		return invalidQuery(countMismatch(n, len(args)))
	}
	for i, a := range args {
		if err := bindArg(ps, mapping.IdxT(i+1), a); err != nil {
			expects := ""
			if name := paramTypeName(ps, i); name != "" {
				expects = ", expected " + name
			}
			return invalidQuery(fmt.Sprintf("Invalid Input Error: parameter %d%s: %v", i+1, expects, err))
		}
	}
	return nil
}

// checkNumbering refuses numbered markers with gaps ($2 without $1):
// DuckDB would then bind values to the wrong parameters.
func checkNumbering(ps mapping.PreparedStatement, n int) error {
	for i := 1; i <= n; i++ {
		if name := mapping.ParameterName(ps, mapping.IdxT(i)); name != strconv.Itoa(i) {
			return invalidQuery(fmt.Sprintf("Invalid Input Error: the query has %s but does not use $%d: number parameters from $1 without gaps", markers(n), i))
		}
	}
	return nil
}

// countMismatch explains a wrong number of bound values.
func countMismatch(want, got int) string {
	switch {
	case want == 0:
		return fmt.Sprintf("Invalid Input Error: the query has no parameter markers but %s bound: remove the values or add ? markers", values(got))
	case got == 0:
		return fmt.Sprintf("Invalid Input Error: the query has %s but no value was bound: bind one value per marker (? or $1, $2, ...)", markers(want))
	}
	return fmt.Sprintf("Invalid Input Error: the query has %s but %s bound: bind one value per marker (? or $1, $2, ...)", markers(want), values(got))
}

func markers(n int) string {
	if n == 1 {
		return "1 parameter"
	}
	return fmt.Sprintf("%d parameters", n)
}

func values(n int) string {
	if n == 1 {
		return "1 value was"
	}
	return fmt.Sprintf("%d values were", n)
}

// paramTypeName names the type DuckDB expects for parameter i (0-based),
// or "" when it does not tell.
func paramTypeName(ps mapping.PreparedStatement, i int) string {
	lt := mapping.ParamLogicalType(ps, mapping.IdxT(i+1))
	defer mapping.DestroyLogicalType(&lt)
	if lt.Ptr == nil {
		return ""
	}
	return typeName(mapping.GetTypeId(lt))
}

// typeName is a short SQL name of a DuckDB type for messages, or "" for
// the others.
func typeName(t mapping.Type) string {
	names := map[mapping.Type]string{
		mapping.TypeBoolean: "BOOLEAN", mapping.TypeTinyInt: "TINYINT", mapping.TypeSmallInt: "SMALLINT",
		mapping.TypeInteger: "INTEGER", mapping.TypeBigInt: "BIGINT", mapping.TypeUTinyInt: "UTINYINT",
		mapping.TypeUSmallInt: "USMALLINT", mapping.TypeUInteger: "UINTEGER", mapping.TypeUBigInt: "UBIGINT",
		mapping.TypeFloat: "FLOAT", mapping.TypeDouble: "DOUBLE", mapping.TypeTimestamp: "TIMESTAMP",
		mapping.TypeTimestampNS: "TIMESTAMP_NS", mapping.TypeTimestampTZ: "TIMESTAMP WITH TIME ZONE",
		mapping.TypeVarchar: "VARCHAR", mapping.TypeBlob: "BLOB", mapping.TypeDate: "DATE",
		mapping.TypeDecimal: "DECIMAL", mapping.TypeHugeInt: "HUGEINT",
	}
	return names[t]
}

// bindArg binds one value to parameter idx (1-based).
func bindArg(ps mapping.PreparedStatement, idx mapping.IdxT, a any) error {
	var state mapping.State
	switch v := a.(type) {
	case nil:
		state = mapping.BindNull(ps, idx)
	case bool:
		state = mapping.BindBoolean(ps, idx, v)
	case int:
		state = mapping.BindInt64(ps, idx, int64(v))
	case int8:
		state = mapping.BindInt64(ps, idx, int64(v))
	case int16:
		state = mapping.BindInt64(ps, idx, int64(v))
	case int32:
		state = mapping.BindInt64(ps, idx, int64(v))
	case int64:
		state = mapping.BindInt64(ps, idx, v)
	case uint:
		state = mapping.BindUInt64(ps, idx, uint64(v))
	case uint8:
		state = mapping.BindUInt64(ps, idx, uint64(v))
	case uint16:
		state = mapping.BindUInt64(ps, idx, uint64(v))
	case uint32:
		state = mapping.BindUInt64(ps, idx, uint64(v))
	case uint64:
		state = mapping.BindUInt64(ps, idx, v)
	case float32:
		state = mapping.BindDouble(ps, idx, float64(v))
	case float64:
		state = mapping.BindDouble(ps, idx, v)
	case string:
		if !utf8.ValidString(v) {
			return fmt.Errorf("the string is not valid UTF-8; bind it as binary")
		}
		state = mapping.BindVarcharLength(ps, idx, v, mapping.IdxT(len(v)))
	case []byte:
		state = mapping.BindBlob(ps, idx, v)
	case time.Time:
		state = bindTime(ps, idx, v)
	default:
		return fmt.Errorf("unsupported value type %T: bind nil, a boolean, an integer, a float, a string, bytes or a time", a)
	}
	if state == mapping.StateError {
		if msg := mapping.PrepareError(ps); msg != "" {
			return fmt.Errorf("%s", strings.TrimSpace(msg))
		}
		return fmt.Errorf("DuckDB refused the %T value", a)
	}
	return nil
}

// bindTime binds t as a TIMESTAMP_NS, or as a TIMESTAMP (microseconds)
// when it is outside the years 1678-2261 that nanoseconds can hold.
func bindTime(ps mapping.PreparedStatement, idx mapping.IdxT, t time.Time) mapping.State {
	t = t.UTC()
	if y := t.Year(); y > 1677 && y < 2262 {
		v := mapping.CreateTimestampNS(mapping.NewTimestampNS(t.UnixNano()))
		defer mapping.DestroyValue(&v)
		return mapping.BindValue(ps, idx, v)
	}
	return mapping.BindTimestamp(ps, idx, mapping.NewTimestamp(t.UnixMicro()))
}

// paramSchema returns the parameter types DuckDB inferred for ps.
func paramSchema(raw mapping.Connection, ps mapping.PreparedStatement) *arrow.Schema {
	n := int(mapping.NParams(ps))
	fields := make([]arrow.Field, n)
	for i := range n {
		fields[i] = arrow.Field{Name: fmt.Sprintf("$%d", i+1), Type: arrow.Null, Nullable: true}
		lt := mapping.ParamLogicalType(ps, mapping.IdxT(i+1))
		if lt.Ptr == nil {
			continue
		}
		// Types without an Arrow form (literal types of bound values)
		// stay unknown.
		if t, err := arrowType(raw, lt); err == nil && t != nil {
			fields[i].Type = t
		}
		mapping.DestroyLogicalType(&lt)
	}
	return arrow.NewSchema(fields, nil)
}

// arrowType converts a DuckDB logical type to Arrow; nil for the types
// of a parameter DuckDB could not infer.
func arrowType(raw mapping.Connection, lt mapping.LogicalType) (arrow.DataType, error) {
	switch mapping.GetTypeId(lt) {
	case mapping.TypeInvalid, mapping.TypeAny, mapping.TypeSQLNull:
		return nil, nil
	}
	var opts arrowmapping.ArrowOptions
	arrowmapping.ConnectionGetArrowOptions(raw, &opts)
	defer arrowmapping.DestroyArrowOptions(&opts)
	schema, ed := arrowmapping.NewArrowSchema(opts, []mapping.LogicalType{lt}, []string{"p"})
	if err := errorData(ed); err != nil {
		return nil, err
	}
	return normalizeSchema(schema).Field(0).Type, nil
}
