package app

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/micromegas-go/micromegas/internal/flightsql"
)

var (
	_ flightsql.ParamQuerier   = querier{}
	_ flightsql.ParamDescriber = querier{}
)

// QueryParams runs sql with params bound to its markers: the lakehouse
// substitutes the arguments of table functions (view_instance(?, ?)) to
// plan the query, and the engine binds every other value.
func (q querier) QueryParams(ctx context.Context, sql string, params []any, opts flightsql.QueryOptions) (array.RecordReader, error) {
	rdr, err := q.lake.QueryParams(ctx, sql, params, lakeOptions(ctx, opts.Begin, opts.End, opts.Limit))
	if err != nil {
		err = classify(err)
	}
	return audited(ctx, q.audit, sql, opts.Begin, opts.End, rdr, err)
}

// DescribeParams returns the schema of the result of sql with params
// bound, converting no block.
func (q querier) DescribeParams(ctx context.Context, sql string, params []any, _ flightsql.QueryOptions) (*arrow.Schema, error) {
	st, err := q.lake.DescribeParams(ctx, sql, params)
	if err != nil {
		return nil, classify(err)
	}
	return st.Schema, nil
}

// ParameterSchema returns the types the engine expects for the
// parameters of sql, or nil when the statement cannot be prepared without
// their values (markers that are table-function arguments).
func (q querier) ParameterSchema(ctx context.Context, sql string, _ flightsql.QueryOptions) (*arrow.Schema, error) {
	st, err := q.lake.DescribeStatement(ctx, sql)
	if err != nil {
		return nil, classify(err)
	}
	return st.Params, nil
}
