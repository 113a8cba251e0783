package app

import (
	"context"
	"errors"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/flightsql"
	"github.com/micromegas-go/micromegas/internal/lakehouse"
)

// querier adapts the lakehouse to the FlightSQL server.
type querier struct{ lake *lakehouse.Lakehouse }

func (q querier) Query(ctx context.Context, sql string, opts flightsql.QueryOptions) (array.RecordReader, error) {
	rdr, err := q.lake.Query(ctx, sql, lakehouse.QueryOptions{Begin: opts.Begin, End: opts.End, Limit: opts.Limit})
	if errors.Is(err, engine.ErrInvalidQuery) {
		return nil, &flightsql.InvalidQueryError{Err: err}
	}
	return rdr, err
}

func (q querier) Tables(ctx context.Context) ([]flightsql.TableInfo, error) {
	return []flightsql.TableInfo{{Name: lakehouse.LogEntriesView, Schema: lakehouse.LogEntriesSchema}}, nil
}
