package flightsql

import (
	"context"
	"errors"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// QueryOptions carries the per-request settings read from gRPC metadata.
type QueryOptions struct {
	// Begin and End come from query_range_begin and query_range_end
	// (RFC3339). Both are zero when the request has no time range.
	Begin, End time.Time
	// Limit comes from the "limit" header; 0 means no limit.
	Limit int64
	// PreserveDictionary is true when the request has
	// "preserve_dictionary: true"; otherwise the server sends dictionary
	// columns as plain arrays.
	PreserveDictionary bool
}

// HasRange reports whether the options carry a query time range.
func (o QueryOptions) HasRange() bool { return !o.Begin.IsZero() || !o.End.IsZero() }

// Querier runs SQL. The reader streams record batches and must be released
// by the caller. The reader should stop early (Next returns false, Err
// reports the cause) once ctx is done.
//
// Errors that blame the query (bad SQL, unknown table, ...) should implement
// interface{ InvalidQuery() bool } returning true, for example by wrapping
// them in [InvalidQueryError]; the server maps them to InvalidArgument.
// Errors that already carry a gRPC status are passed through unchanged.
type Querier interface {
	Query(ctx context.Context, sql string, opts QueryOptions) (array.RecordReader, error)
}

// SchemaDescriber is an optional interface of a [Querier] that can tell the
// schema of a query's result without running it. When the Querier does not
// implement it, GetFlightInfo and CreatePreparedStatement run the query and
// keep only the schema of its reader.
type SchemaDescriber interface {
	Describe(ctx context.Context, sql string, opts QueryOptions) (*arrow.Schema, error)
}

// ParamQuerier is an optional interface of a [Querier] whose engine binds
// query parameters itself. The server uses it for prepared statements
// executed with parameters (see [Querier] for the reader's contract).
// params holds nil, bool, int64, uint64, float64, string, []byte or
// time.Time values, in marker order ("?" or "$1", "$2", ...). Without it,
// the server replaces the markers by SQL literals (sqltext.Interpolate)
// and calls Query.
type ParamQuerier interface {
	QueryParams(ctx context.Context, sql string, params []any, opts QueryOptions) (array.RecordReader, error)
}

// ParamDescriber is an optional interface of a [ParamQuerier] that
// describes statements with parameter markers without running them.
type ParamDescriber interface {
	// DescribeParams returns the schema of the result of sql with params
	// bound (see [ParamQuerier]). A wrong number of values should be an
	// error that satisfies [IsInvalidQuery].
	DescribeParams(ctx context.Context, sql string, params []any, opts QueryOptions) (*arrow.Schema, error)
	// ParameterSchema returns one field per parameter of sql, in order,
	// typed as the engine expects the value; arrow.Null when the engine
	// cannot tell. A nil schema means unknown.
	ParameterSchema(ctx context.Context, sql string, opts QueryOptions) (*arrow.Schema, error)
}

// Ingester is an optional interface of a [Querier] that accepts bulk
// ingestion (DoPut CommandStatementIngest), the replication path of the
// original service: table is one of "processes", "streams", "blocks" or
// "payloads". It returns the number of rows stored; rows stored before
// an error are counted too. Errors that blame the request (unknown table,
// missing column) should satisfy [IsInvalidQuery].
type Ingester interface {
	Ingest(ctx context.Context, table string, rdr array.RecordReader) (int64, error)
}

// TableInfo describes one table listed by a [TableLister].
type TableInfo struct {
	Name   string
	Schema *arrow.Schema
}

// TableLister is an optional interface of a [Querier] that lists the tables
// the server reports through GetTables. Without it, GetTables is empty.
type TableLister interface {
	Tables(ctx context.Context) ([]TableInfo, error)
}

// Dialect lists the words of the engine's SQL, as GetSqlInfo reports them
// (SQL_KEYWORDS 508, SQL_NUMERIC_FUNCTIONS 509, SQL_STRING_FUNCTIONS 510,
// SQL_SYSTEM_FUNCTIONS 511, SQL_DATETIME_FUNCTIONS 512): query editors such
// as the Grafana plugin's complete SQL from them.
type Dialect struct {
	Keywords          []string
	NumericFunctions  []string
	StringFunctions   []string
	SystemFunctions   []string
	DateTimeFunctions []string
}

// InvalidQueryError marks an error as the user's fault (bad SQL, unknown
// table or function). The server answers it with codes.InvalidArgument and
// the error text. Engines may use it or any error type with an
// InvalidQuery() bool method.
type InvalidQueryError struct {
	Err error
}

// Error returns the text of the wrapped error.
func (e *InvalidQueryError) Error() string {
	if e.Err == nil {
		return "invalid query"
	}
	return e.Err.Error()
}

// Unwrap returns the wrapped error.
func (e *InvalidQueryError) Unwrap() error { return e.Err }

// InvalidQuery reports true: the query, not the server, is at fault.
func (e *InvalidQueryError) InvalidQuery() bool { return true }

// IsInvalidQuery reports whether err, or an error it wraps, has an
// InvalidQuery() method returning true.
func IsInvalidQuery(err error) bool {
	var iq interface{ InvalidQuery() bool }
	return errors.As(err, &iq) && iq.InvalidQuery()
}
