package app

import (
	"context"
	"errors"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/micromegas-go/micromegas/internal/auth"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/flightsql"
	"github.com/micromegas-go/micromegas/internal/lakehouse"
)

// querier adapts the lakehouse to the FlightSQL server and the HTTP API.
// It implements flightsql.Querier, flightsql.SchemaDescriber,
// flightsql.TableLister, through its ingester flightsql.Ingester, and
// (params.go) flightsql.ParamQuerier and flightsql.ParamDescriber: the
// engine binds parameter values, which never become SQL text.
type querier struct {
	lake *lakehouse.Lakehouse
	ingester
	// audit writes one line per query with the identity that ran it.
	audit *auth.Auditor
}

var (
	_ flightsql.SchemaDescriber = querier{}
	_ flightsql.TableLister     = querier{}
	_ flightsql.Ingester        = querier{}
)

// Query brings the views the SQL reads up to date (just-in-time
// conversion) and runs it, with the rights of the identity in ctx.
func (q querier) Query(ctx context.Context, sql string, opts flightsql.QueryOptions) (array.RecordReader, error) {
	rdr, err := q.lake.Query(ctx, sql, lakeOptions(ctx, opts.Begin, opts.End, opts.Limit))
	if err != nil {
		err = classify(err)
	}
	return audited(ctx, q.audit, sql, opts.Begin, opts.End, rdr, err)
}

// Describe returns the schema of the SQL's result without running it and
// without converting any block: the engine prepares the statement over
// tables declared by their schemas only. When the engine cannot describe
// the statement for a reason that is not the query's fault, Describe
// falls back to starting the query and keeping the schema of its reader.
func (q querier) Describe(ctx context.Context, sql string, opts flightsql.QueryOptions) (*arrow.Schema, error) {
	schema, err := q.lake.Describe(ctx, sql)
	if err == nil {
		return schema, nil
	}
	// A result typed by parameter values is known only once they are
	// bound: running the query without them cannot tell it either.
	if isInvalid(err) || ctx.Err() != nil || errors.Is(err, engine.ErrParamTypedResult) {
		return nil, classify(err)
	}
	rdr, qerr := q.lake.Query(ctx, sql, lakeOptions(ctx, opts.Begin, opts.End, opts.Limit))
	if qerr != nil {
		return nil, classify(qerr)
	}
	defer rdr.Release()
	return rdr.Schema(), nil
}

// Tables lists the global views for GetTables.
func (q querier) Tables(ctx context.Context) ([]flightsql.TableInfo, error) {
	tables, err := q.lake.Tables(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]flightsql.TableInfo, len(tables))
	for i, t := range tables {
		out[i] = flightsql.TableInfo{Name: t.Name, Schema: t.Schema}
	}
	return out, nil
}

// isInvalid reports whether err blames the query.
func isInvalid(err error) bool {
	return errors.Is(err, engine.ErrInvalidQuery) || flightsql.IsInvalidQuery(err)
}

// classify marks the errors that blame the query so the servers answer
// them as invalid input.
func classify(err error) error {
	if isInvalid(err) && !flightsql.IsInvalidQuery(err) {
		return &flightsql.InvalidQueryError{Err: err}
	}
	return err
}
