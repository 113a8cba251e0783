package flightsql

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/micromegas-go/micromegas/internal/sqltext"
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
	return s.flightInfo(ctx, statement{sql: cmd.GetQuery()}, desc)
}

// GetSchemaStatement returns the result schema of a statement.
func (s *service) GetSchemaStatement(ctx context.Context, cmd flightsql.StatementQuery, _ *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	return s.schemaResult(ctx, statement{sql: cmd.GetQuery()})
}

// DoGetStatement runs the query of a ticket issued by GetFlightInfo, or of
// a ticket whose handle is plain SQL.
func (s *service) DoGetStatement(ctx context.Context, ticket flightsql.StatementQueryTicket) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	sql, params, opts, ok, err := parseHandle(ticket.GetStatementHandle())
	if err != nil {
		return nil, nil, status.Errorf(codes.InvalidArgument, "bad ticket (use the ticket returned by GetFlightInfo, or SQL text): %v", err)
	}
	if !ok {
		if opts, err = optionsFromContext(ctx); err != nil {
			return nil, nil, err
		}
	}
	return s.run(ctx, statement{sql: sql, params: params}, opts)
}

// statement is SQL with the encoded values of its parameters, if any.
type statement struct {
	sql    string
	params []byte // Arrow IPC stream of one row; nil without parameters
}

func (s *service) flightInfo(ctx context.Context, st statement, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	opts, err := optionsFromContext(ctx)
	if err != nil {
		return nil, err
	}
	schema, err := s.describe(ctx, st, opts)
	if err != nil {
		return nil, err
	}
	ticket, err := newTicket(st, opts)
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

func (s *service) schemaResult(ctx context.Context, st statement) (*flight.SchemaResult, error) {
	opts, err := optionsFromContext(ctx)
	if err != nil {
		return nil, err
	}
	schema, err := s.describe(ctx, st, opts)
	if err != nil {
		return nil, err
	}
	return &flight.SchemaResult{Schema: flight.SerializeSchema(schema, s.alloc)}, nil
}

// describe returns the schema the client will receive for st: from the
// Querier's SchemaDescriber when it has one, else from running the query.
// Failures are logged like queries, since this is where clients of
// GetFlightInfo first see them.
func (s *service) describe(ctx context.Context, st statement, opts QueryOptions) (*arrow.Schema, error) {
	run := queryRun{sql: st.sql, opts: opts, start: time.Now(), attrs: attribution(ctx)}
	schema, err := s.describeStatement(ctx, st, opts)
	if err != nil {
		s.logQuery(ctx, run, 0, err)
		return nil, toStatus("query", err)
	}
	if !opts.PreserveDictionary {
		schema = plainSchema(schema)
	}
	return schema, nil
}

func (s *service) describeStatement(ctx context.Context, st statement, opts QueryOptions) (*arrow.Schema, error) {
	if err := checkSQL(st.sql); err != nil {
		return nil, err
	}
	sql := st.sql
	if st.params != nil {
		params, err := decodeParams(st.params)
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "%v", err)
		}
		if pq, ok := s.querier.(ParamQuerier); ok {
			// The engine binds: describe the statement with its values,
			// or run it when the engine cannot tell the result's types
			// before the query runs (SELECT ? AS x).
			if d, ok := s.querier.(ParamDescriber); ok {
				schema, err := d.DescribeParams(ctx, sql, params, opts)
				if err == nil || IsInvalidQuery(err) || ctx.Err() != nil {
					return schema, err
				}
			}
			return readerSchema(pq.QueryParams(ctx, sql, params, opts))
		}
		if sql, err = sqltext.Interpolate(sql, params); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "bind parameters: %v", err)
		}
	}
	if d, ok := s.querier.(SchemaDescriber); ok {
		return d.Describe(ctx, sql, opts)
	}
	return readerSchema(s.querier.Query(ctx, sql, opts))
}

// readerSchema returns the schema of a query's reader and releases it.
func readerSchema(rdr array.RecordReader, err error) (*arrow.Schema, error) {
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	return rdr.Schema(), nil
}

// run starts st and streams its batches.
func (s *service) run(ctx context.Context, st statement, opts QueryOptions) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	run := queryRun{sql: st.sql, opts: opts, start: time.Now(), attrs: attribution(ctx)}
	rdr, err := s.start(ctx, st, opts)
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

// start runs st through the Querier, binding its parameters.
func (s *service) start(ctx context.Context, st statement, opts QueryOptions) (array.RecordReader, error) {
	if err := checkSQL(st.sql); err != nil {
		return nil, err
	}
	if st.params == nil {
		return s.querier.Query(ctx, st.sql, opts)
	}
	params, err := decodeParams(st.params)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%v", err)
	}
	if pq, ok := s.querier.(ParamQuerier); ok {
		return pq.QueryParams(ctx, st.sql, params, opts)
	}
	sql, err := sqltext.Interpolate(st.sql, params)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "bind parameters: %v", err)
	}
	return s.querier.Query(ctx, sql, opts)
}

func checkSQL(sql string) error {
	if strings.TrimSpace(sql) == "" {
		return status.Error(codes.InvalidArgument, "empty query: send a SQL statement")
	}
	return nil
}
