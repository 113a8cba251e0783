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
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/micromegas-go/micromegas/internal/blobstore"
)

// queryReader runs sql on cl and returns a reader over every batch.
func queryReader(ctx context.Context, t *testing.T, cl *flightsql.Client, sql string) array.RecordReader {
	t.Helper()
	info, err := cl.Execute(ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var recs []arrow.RecordBatch
	for rdr.Next() {
		rec := rdr.RecordBatch()
		rec.Retain()
		recs = append(recs, rec)
	}
	if err := rdr.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	schema := rdr.Schema()
	rdr.Release()
	out, err := array.NewRecordReader(schema, recs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		r.Release()
	}
	t.Cleanup(out.Release)
	return out
}

// TestReplicationByBulkIngest copies a process from one server to another
// the way the original's replication script does: processes, streams and
// blocks selected from the blocks view, then the payloads, each uploaded
// with FlightSQL bulk ingestion. The copy answers the same queries.
func TestReplicationByBulkIngest(t *testing.T) {
	src := startApp(t)
	fx := emitTelemetry(t, src)
	dst := startApp(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	from := newFlightClient(t, src.FlightSQLAddr().String())
	to := newFlightClient(t, dst.FlightSQLAddr().String())

	tables := []struct{ name, sql string }{
		{"processes", `SELECT DISTINCT ON (process_id) process_id, "processes.exe" AS exe,
			"processes.username" AS username, "processes.realname" AS realname,
			"processes.computer" AS computer, "processes.distro" AS distro,
			"processes.cpu_brand" AS cpu_brand, "processes.tsc_frequency" AS tsc_frequency,
			"processes.start_time" AS start_time, "processes.start_ticks" AS start_ticks,
			"processes.insert_time" AS insert_time, "processes.parent_process_id" AS parent_process_id,
			"processes.properties" AS properties FROM blocks`},
		{"streams", `SELECT DISTINCT ON (stream_id) stream_id, process_id,
			"streams.dependencies_metadata" AS dependencies_metadata,
			"streams.objects_metadata" AS objects_metadata, "streams.tags" AS tags,
			"streams.properties" AS properties, "streams.insert_time" AS insert_time FROM blocks`},
		{"blocks", `SELECT block_id, stream_id, process_id, begin_time, begin_ticks, end_time, end_ticks,
			nb_objects, object_offset, payload_size, insert_time FROM blocks`},
	}
	appendOpts := &flightsql.TableDefinitionOptions{IfExists: flightsql.TableDefinitionOptionsTableExistsOptionAppend}
	var blockIDs [][3]string
	for _, tb := range tables {
		rdr := queryReader(ctx, t, from, tb.sql)
		n, err := to.ExecuteIngest(ctx, rdr, &flightsql.ExecuteIngestOpts{Table: tb.name, TableDefinitionOptions: appendOpts})
		if err != nil {
			t.Fatalf("ingest %s: %v", tb.name, err)
		}
		if n == 0 {
			t.Fatalf("ingest %s: 0 rows", tb.name)
		}
	}
	ids := queryReader(ctx, t, from, "SELECT process_id, stream_id, block_id FROM blocks")
	for ids.Next() {
		rec := ids.RecordBatch()
		for i := range int(rec.NumRows()) {
			blockIDs = append(blockIDs, [3]string{rec.Column(0).ValueStr(i), rec.Column(1).ValueStr(i), rec.Column(2).ValueStr(i)})
		}
	}

	// Payloads: read from the source's object store, as get_payload would.
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "process_id", Type: arrow.BinaryTypes.String}, {Name: "stream_id", Type: arrow.BinaryTypes.String},
		{Name: "block_id", Type: arrow.BinaryTypes.String}, {Name: "payload", Type: arrow.BinaryTypes.Binary},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	for _, id := range blockIDs {
		data, err := src.blobs.Get(ctx, blobstore.BlockKey(id[0], id[1], id[2]))
		if err != nil {
			t.Fatal(err)
		}
		for j := range 3 {
			b.Field(j).(*array.StringBuilder).Append(id[j])
		}
		b.Field(3).(*array.BinaryBuilder).Append(data)
	}
	rec := b.NewRecordBatch()
	b.Release()
	defer rec.Release()
	payloads, _ := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
	defer payloads.Release()
	n, err := to.ExecuteIngest(ctx, payloads, &flightsql.ExecuteIngestOpts{Table: "payloads", TableDefinitionOptions: appendOpts})
	if err != nil || n != int64(len(blockIDs)) {
		t.Fatalf("ingest payloads: %d rows, %v; want %d", n, err, len(blockIDs))
	}

	for _, sql := range []string{
		"SELECT count(*) FROM log_entries",
		"SELECT count(*) FROM view_instance('log_entries', '" + fx.processID + "')",
		"SELECT count(*) FROM measures",
		"SELECT exe, property_get(properties, 'fixture') FROM processes",
	} {
		_, want := queryRows(t, src.FlightSQLAddr().String(), sql)
		_, got := queryRows(t, dst.FlightSQLAddr().String(), sql)
		if joinRows(got) != joinRows(want) || len(got) == 0 {
			t.Errorf("%s: copy answers %v, source %v", sql, got, want)
		}
	}

	// Retrying the whole replication creates no duplicate.
	rdr := queryReader(ctx, t, from, tables[2].sql)
	if _, err := to.ExecuteIngest(ctx, rdr, &flightsql.ExecuteIngestOpts{Table: "blocks", TableDefinitionOptions: appendOpts}); err != nil {
		t.Fatal(err)
	}
	_, got := queryRows(t, dst.FlightSQLAddr().String(), "SELECT count(*) FROM log_entries")
	if got[0][0] != itoa(fixLines) {
		t.Errorf("after a retried ingest, log_entries has %s rows, want %d", got[0][0], fixLines)
	}

	// A table without its key column is refused with the column's name.
	bad := queryReader(ctx, t, from, "SELECT exe FROM processes")
	_, err = to.ExecuteIngest(ctx, bad, &flightsql.ExecuteIngestOpts{Table: "processes", TableDefinitionOptions: appendOpts})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "process_id") {
		t.Errorf("ingest without process_id: got %v, want InvalidArgument naming the column", err)
	}
}
