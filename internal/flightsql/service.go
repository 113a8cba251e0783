package flightsql

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// service implements flightsql.Server on top of a Querier. Methods it does
// not override answer Unimplemented (from flightsql.BaseServer).
type service struct {
	flightsql.BaseServer
	querier Querier
	logger  *slog.Logger
	alloc   memory.Allocator
}

// GetFlightInfoStatement returns one endpoint whose ticket carries the SQL
// and the request options, with the result schema.
func (s *service) GetFlightInfoStatement(ctx context.Context, cmd flightsql.StatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.flightInfo(ctx, cmd.GetQuery(), desc)
}

// GetSchemaStatement returns the result schema of a statement.
func (s *service) GetSchemaStatement(ctx context.Context, cmd flightsql.StatementQuery, _ *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	return s.schemaResult(ctx, cmd.GetQuery())
}

// DoGetStatement runs the query of a ticket issued by GetFlightInfo, or of
// a ticket whose handle is plain SQL.
func (s *service) DoGetStatement(ctx context.Context, ticket flightsql.StatementQueryTicket) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	sql, opts, ok, err := parseHandle(ticket.GetStatementHandle())
	if err != nil {
		return nil, nil, status.Errorf(codes.InvalidArgument, "bad ticket (use the ticket returned by GetFlightInfo, or SQL text): %v", err)
	}
	if !ok {
		if opts, err = optionsFromContext(ctx); err != nil {
			return nil, nil, err
		}
	}
	return s.run(ctx, sql, opts)
}

// CreatePreparedStatement returns the SQL text as the handle, with the
// dataset schema. Parameters are not supported.
func (s *service) CreatePreparedStatement(ctx context.Context, req flightsql.ActionCreatePreparedStatementRequest) (flightsql.ActionCreatePreparedStatementResult, error) {
	var res flightsql.ActionCreatePreparedStatementResult
	opts, err := optionsFromContext(ctx)
	if err != nil {
		return res, err
	}
	schema, err := s.describe(ctx, req.GetQuery(), opts)
	if err != nil {
		return res, err
	}
	res.Handle = []byte(req.GetQuery())
	res.DatasetSchema = schema
	return res, nil
}

// ClosePreparedStatement does nothing: handles hold no server state.
func (s *service) ClosePreparedStatement(context.Context, flightsql.ActionClosePreparedStatementRequest) error {
	return nil
}

// GetFlightInfoPreparedStatement works as GetFlightInfoStatement on the SQL
// of the handle.
func (s *service) GetFlightInfoPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.flightInfo(ctx, string(cmd.GetPreparedStatementHandle()), desc)
}

// GetSchemaPreparedStatement returns the result schema of a prepared statement.
func (s *service) GetSchemaPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery, _ *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	return s.schemaResult(ctx, string(cmd.GetPreparedStatementHandle()))
}

// DoGetPreparedStatement runs a prepared statement with the request headers.
func (s *service) DoGetPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	opts, err := optionsFromContext(ctx)
	if err != nil {
		return nil, nil, err
	}
	return s.run(ctx, string(cmd.GetPreparedStatementHandle()), opts)
}

func (s *service) flightInfo(ctx context.Context, sql string, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	opts, err := optionsFromContext(ctx)
	if err != nil {
		return nil, err
	}
	schema, err := s.describe(ctx, sql, opts)
	if err != nil {
		return nil, err
	}
	ticket, err := newTicket(sql, opts)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "%v", err)
	}
	return &flight.FlightInfo{
		Schema:           flight.SerializeSchema(schema, s.alloc),
		FlightDescriptor: desc,
		Endpoint:         []*flight.FlightEndpoint{{Ticket: ticket}},
		TotalRecords:     -1,
		TotalBytes:       -1,
	}, nil
}

func (s *service) schemaResult(ctx context.Context, sql string) (*flight.SchemaResult, error) {
	opts, err := optionsFromContext(ctx)
	if err != nil {
		return nil, err
	}
	schema, err := s.describe(ctx, sql, opts)
	if err != nil {
		return nil, err
	}
	return &flight.SchemaResult{Schema: flight.SerializeSchema(schema, s.alloc)}, nil
}

// describe returns the schema the client will receive for sql: from the
// Querier's SchemaDescriber when it has one, else from running the query.
// Failures are logged like queries, since this is where clients of
// GetFlightInfo first see them.
func (s *service) describe(ctx context.Context, sql string, opts QueryOptions) (*arrow.Schema, error) {
	run := queryRun{sql: sql, opts: opts, start: time.Now(), attrs: attribution(ctx)}
	if err := checkSQL(sql); err != nil {
		s.logQuery(ctx, run, 0, err)
		return nil, err
	}
	var (
		schema *arrow.Schema
		err    error
	)
	if d, ok := s.querier.(SchemaDescriber); ok {
		schema, err = d.Describe(ctx, sql, opts)
	} else {
		schema, err = s.probeSchema(ctx, sql, opts)
	}
	if err != nil {
		s.logQuery(ctx, run, 0, err)
		return nil, toStatus("query", err)
	}
	if !opts.PreserveDictionary {
		schema = plainSchema(schema)
	}
	return schema, nil
}

func (s *service) probeSchema(ctx context.Context, sql string, opts QueryOptions) (*arrow.Schema, error) {
	rdr, err := s.querier.Query(ctx, sql, opts)
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	return rdr.Schema(), nil
}

// run starts sql and streams its batches.
func (s *service) run(ctx context.Context, sql string, opts QueryOptions) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	run := queryRun{sql: sql, opts: opts, start: time.Now(), attrs: attribution(ctx)}
	if err := checkSQL(sql); err != nil {
		s.logQuery(ctx, run, 0, err)
		return nil, nil, err
	}
	rdr, err := s.querier.Query(ctx, sql, opts)
	if err != nil {
		s.logQuery(ctx, run, 0, err)
		return nil, nil, toStatus("query", err)
	}
	schema := rdr.Schema()
	if !opts.PreserveDictionary {
		schema = plainSchema(schema)
	}
	return schema, s.streamQuery(ctx, run, rdr, schema), nil
}

func checkSQL(sql string) error {
	if strings.TrimSpace(sql) == "" {
		return status.Error(codes.InvalidArgument, "empty query: send a SQL statement")
	}
	return nil
}
