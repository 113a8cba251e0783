package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

func newFlightClient(t *testing.T, addr string) *flightsql.Client {
	t.Helper()
	cl, err := flightsql.NewClient(addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(100<<20)))
	if err != nil {
		t.Fatalf("flightsql client: %v", err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// TestFlightInfoSchemaIsTheResultSchema checks that GetFlightInfo
// describes each query with the schema DoGet then streams, and that
// describing converts no block: only DoGet runs the just-in-time update.
func TestFlightInfoSchemaIsTheResultSchema(t *testing.T) {
	a := startApp(t)
	fx := emitTelemetry(t, a)
	cl := newFlightClient(t, a.FlightSQLAddr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	instanceSQL := "SELECT time, level, msg FROM view_instance('log_entries', '" + fx.processID + "') ORDER BY time"
	queries := []string{
		"SELECT * FROM log_entries",
		"SELECT level, count(*) AS n, max(time) AS last FROM log_entries GROUP BY level",
		"SELECT * FROM measures",
		"SELECT * FROM processes",
		"SELECT * FROM streams",
		"SELECT * FROM blocks",
		"SELECT * FROM log_stats",
		instanceSQL,
		"SELECT * FROM list_view_sets()",
		"SELECT 1 AS one, 'x' AS s, 2.5 AS d, now() AS t",
	}
	// Describing the view_instance query must not build its partitions.
	if _, err := cl.Execute(ctx, instanceSQL); err != nil {
		t.Fatalf("GetFlightInfo: %v", err)
	}
	parts, err := a.catalog.ListPartitions(ctx, catalog.PartitionFilter{ViewSetName: "log_entries", ViewInstanceID: fx.processID})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 0 {
		t.Fatalf("GetFlightInfo built %d partitions; only DoGet should convert blocks", len(parts))
	}

	for _, sql := range queries {
		info, err := cl.Execute(ctx, sql)
		if err != nil {
			t.Errorf("%s: GetFlightInfo: %v", sql, err)
			continue
		}
		described, err := flight.DeserializeSchema(info.Schema, memory.DefaultAllocator)
		if err != nil {
			t.Fatalf("%s: schema of the FlightInfo: %v", sql, err)
		}
		rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
		if err != nil {
			t.Errorf("%s: DoGet: %v", sql, err)
			continue
		}
		rows := int64(0)
		for rdr.Next() {
			rows += rdr.RecordBatch().NumRows()
		}
		if err := rdr.Err(); err != nil {
			t.Errorf("%s: read: %v", sql, err)
		}
		if !described.Equal(rdr.Schema()) {
			t.Errorf("%s:\nGetFlightInfo schema %s\nDoGet schema        %s", sql, described, rdr.Schema())
		}
		rdr.Release()
		if sql == instanceSQL && rows != fixLines {
			t.Errorf("%s: %d rows, want %d", sql, rows, fixLines)
		}
	}
	parts, err = a.catalog.ListPartitions(ctx, catalog.PartitionFilter{ViewSetName: "log_entries", ViewInstanceID: fx.processID})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) == 0 {
		t.Error("DoGet of view_instance built no partition")
	}

	// Bad SQL fails in GetFlightInfo with DuckDB's message.
	_, err = cl.Execute(ctx, "SELECT nope FROM log_entries")
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "nope") {
		t.Errorf("bad SQL: got %v, want InvalidArgument naming the column", err)
	}
}
