package flightsql

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// IngestTables are the tables DoPut CommandStatementIngest accepts, as the
// original service: the replication path from one Micromegas lake to
// another.
var IngestTables = []string{"processes", "streams", "blocks", "payloads"}

// DoPutCommandStatementIngest stores the uploaded rows into one of
// IngestTables through the Querier's [Ingester]. The tables always exist
// and are appended to: replacing them, temporary tables, catalogs and
// schemas are refused.
func (s *service) DoPutCommandStatementIngest(ctx context.Context, cmd flightsql.StatementIngest, rdr flight.MessageReader) (int64, error) {
	ing, ok := s.querier.(Ingester)
	if !ok {
		return 0, status.Error(codes.Unimplemented, "this server does not accept bulk ingestion")
	}
	table := cmd.GetTable()
	if !validIngestTable(table) {
		return 0, status.Errorf(codes.InvalidArgument, "cannot ingest into table %q: valid tables are %v", table, IngestTables)
	}
	if cmd.GetTemporary() {
		return 0, status.Error(codes.InvalidArgument, "temporary tables are not supported: ingest into the permanent table")
	}
	if cmd.GetCatalog() != "" || cmd.GetSchema() != "" {
		return 0, status.Errorf(codes.InvalidArgument, "catalog %q and schema %q: the tables live in the unnamed catalog and schema; leave them empty",
			cmd.GetCatalog(), cmd.GetSchema())
	}
	if o := cmd.GetTableDefinitionOptions(); o != nil {
		switch o.IfExists {
		case flightsql.TableDefinitionOptionsTableExistsOptionReplace:
			return 0, status.Errorf(codes.InvalidArgument, "table %s cannot be replaced: ingest with if_exists=append", table)
		case flightsql.TableDefinitionOptionsTableExistsOptionFail:
			return 0, status.Errorf(codes.AlreadyExists, "table %s exists (if_exists=fail): ingest with if_exists=append", table)
		}
	}
	start := time.Now()
	n, err := ing.Ingest(ctx, table, rdr)
	attrs := []any{"table", table, "rows", n, "duration", time.Since(start)}
	attrs = append(attrs, attribution(ctx)...)
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	s.logger.Log(context.WithoutCancel(ctx), logLevel(err), "ingest", attrs...)
	return n, toStatus("ingest", err)
}

func validIngestTable(t string) bool {
	for _, v := range IngestTables {
		if v == t {
			return true
		}
	}
	return false
}
