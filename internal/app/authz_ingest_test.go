package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// processUpload is one row for bulk ingestion into processes, with the
// columns the replication path requires.
func processUpload(t *testing.T, processID string) array.RecordReader {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "process_id", Type: arrow.BinaryTypes.String},
		{Name: "exe", Type: arrow.BinaryTypes.String},
		{Name: "tsc_frequency", Type: arrow.PrimitiveTypes.Int64},
		{Name: "start_time", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}},
		{Name: "start_ticks", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).Append(processID)
	b.Field(1).(*array.StringBuilder).Append("bulk-ingested")
	b.Field(2).(*array.Int64Builder).Append(1_000_000_000)
	b.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(time.Now().UnixNano()))
	b.Field(4).(*array.Int64Builder).Append(42)
	rec := b.NewRecordBatch()
	defer rec.Release()
	rdr, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rdr.Release)
	return rdr
}

// TestBulkIngestIsForAdmins sends FlightSQL DoPut CommandStatementIngest
// with each kind of key: the ingest and query keys are refused with
// PermissionDenied and store nothing, the admin key's rows are stored;
// each attempt leaves a bulk_ingest audit line.
func TestBulkIngestIsForAdmins(t *testing.T) {
	a, logs := startAuthApp(t, AuthConfig{APIKeys: testKeys})
	cl := newFlightClient(t, a.FlightSQLAddr().String())
	opts := &flightsql.ExecuteIngestOpts{Table: "processes",
		TableDefinitionOptions: &flightsql.TableDefinitionOptions{IfExists: flightsql.TableDefinitionOptionsTableExistsOptionAppend}}
	cases := []struct {
		name, key, subject string
		code               codes.Code
		reason             string // in the refusal
	}{
		{"ingest key", ingestKey, "", codes.PermissionDenied, "query scope"}, // refused at the door: FlightSQL needs query
		{"query key", queryKey, "grafana", codes.PermissionDenied, "reserved to admins"},
		{"no key", "", "", codes.Unauthenticated, "Authorization"},
		{"admin key", adminKey, "ops", codes.OK, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if c.key != "" {
				ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.key)
			}
			pid := uuid.NewString()
			n, err := cl.ExecuteIngest(ctx, processUpload(t, pid), opts)
			if status.Code(err) != c.code {
				t.Fatalf("DoPut: %d rows, %v; want %s", n, err, c.code)
			}
			_, gerr := a.catalog.GetProcess(context.Background(), pid)
			switch {
			case c.code == codes.OK && (n != 1 || gerr != nil):
				t.Errorf("admin's DoPut: %d rows, the process in the catalog: %v; want 1 row stored", n, gerr)
			case c.code != codes.OK && gerr == nil:
				t.Errorf("a refused DoPut stored the process")
			}
			if c.reason != "" && !strings.Contains(err.Error(), c.reason) {
				t.Errorf("the refusal %q does not say %q", err, c.reason)
			}
			if c.subject != "" && !strings.Contains(logs.String(), "subject="+c.subject+" ") {
				t.Errorf("no audit line of %s", c.subject)
			}
		})
	}
	var bulk []string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "action=bulk_ingest") {
			bulk = append(bulk, line)
		}
	}
	if len(bulk) != 2 || !strings.Contains(bulk[0], "subject=grafana") || !strings.Contains(bulk[0], "error=") ||
		!strings.Contains(bulk[1], "subject=ops") || !strings.Contains(bulk[1], "rows=1") || strings.Contains(bulk[1], "error=") {
		t.Errorf("bulk_ingest audit lines:\n%s\nwant the query key's refusal and the admin's 1 row", strings.Join(bulk, "\n"))
	}
}
