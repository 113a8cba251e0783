package flightsql

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/micromegas-go/micromegas/internal/sqltext"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// CreatePreparedStatement returns the SQL text as the handle, with the
// dataset schema. A statement with parameter markers whose schema cannot
// be known before its values are bound is returned without a dataset
// schema (it is optional in Flight SQL). The parameter schema is reported
// when the Querier is a [ParamDescriber] that knows every parameter's
// type (see clientParamSchema); otherwise clients send their values with
// their own types and the engine converts them.
func (s *service) CreatePreparedStatement(ctx context.Context, req flightsql.ActionCreatePreparedStatementRequest) (flightsql.ActionCreatePreparedStatementResult, error) {
	var res flightsql.ActionCreatePreparedStatementResult
	opts, err := optionsFromContext(ctx)
	if err != nil {
		return res, err
	}
	st := statement{sql: req.GetQuery()}
	if err := checkSQL(st.sql); err != nil {
		return res, err
	}
	if hasMarkers(st.sql) {
		if d, ok := s.querier.(ParamDescriber); ok {
			if params, err := d.ParameterSchema(ctx, st.sql, opts); err == nil {
				res.ParameterSchema = clientParamSchema(params)
			}
		}
		if d, ok := s.querier.(SchemaDescriber); ok {
			if schema, err := d.Describe(ctx, st.sql, opts); err == nil {
				if !opts.PreserveDictionary {
					schema = plainSchema(schema)
				}
				res.DatasetSchema = schema
			}
		}
	} else if res.DatasetSchema, err = s.describe(ctx, st, opts); err != nil {
		return res, err
	}
	res.Handle = []byte(st.sql)
	return res, nil
}

// hasMarkers reports whether sql has parameter markers ("?" or "$N"); a
// text the tokenizer cannot read has none (the engine reports its error).
func hasMarkers(sql string) bool {
	toks, err := sqltext.Scan(sql)
	if err != nil {
		return false
	}
	marks, _ := sqltext.Placeholders(toks)
	return len(marks) > 0
}

// ClosePreparedStatement does nothing: handles hold no server state.
func (s *service) ClosePreparedStatement(context.Context, flightsql.ActionClosePreparedStatementRequest) error {
	return nil
}

// DoPutPreparedStatementQuery binds parameters to a prepared statement.
// The client sends one row of values; the server answers with a new
// handle that carries the SQL and the values, which the client uses to
// execute the statement. Zero rows unbind the parameters.
func (s *service) DoPutPreparedStatementQuery(ctx context.Context, cmd flightsql.PreparedStatementQuery, rdr flight.MessageReader, _ flight.MetadataWriter) ([]byte, error) {
	st, err := parsePreparedHandle(cmd.GetPreparedStatementHandle())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "bad prepared statement handle (use the handle returned by CreatePreparedStatement): %v", err)
	}
	if st.params, err = readParams(rdr); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "bind parameters: %v", err)
	}
	handle, err := preparedHandle(st)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "%v", err)
	}
	return handle, nil
}

// GetFlightInfoPreparedStatement works as GetFlightInfoStatement on the
// statement of the handle, with its bound parameters.
func (s *service) GetFlightInfoPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	st, err := s.preparedStatement(cmd)
	if err != nil {
		return nil, err
	}
	return s.flightInfo(ctx, st, desc)
}

// GetSchemaPreparedStatement returns the result schema of a prepared statement.
func (s *service) GetSchemaPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery, _ *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	st, err := s.preparedStatement(cmd)
	if err != nil {
		return nil, err
	}
	return s.schemaResult(ctx, st)
}

// DoGetPreparedStatement runs a prepared statement with the request headers.
func (s *service) DoGetPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	opts, err := optionsFromContext(ctx)
	if err != nil {
		return nil, nil, err
	}
	st, err := s.preparedStatement(cmd)
	if err != nil {
		return nil, nil, err
	}
	return s.run(ctx, st, opts)
}

func (s *service) preparedStatement(cmd flightsql.PreparedStatementQuery) (statement, error) {
	st, err := parsePreparedHandle(cmd.GetPreparedStatementHandle())
	if err != nil {
		return st, status.Errorf(codes.InvalidArgument, "bad prepared statement handle (use the handle returned by CreatePreparedStatement): %v", err)
	}
	return st, nil
}
