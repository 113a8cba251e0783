package app

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/micromegas-go/micromegas/internal/perfetto"
	"github.com/micromegas-go/micromegas/internal/perfetto/perfettotest"
	"github.com/micromegas-go/micromegas/telemetry"
)

var chunkSpan = telemetry.NewSpanTarget("chunks/span", "step", "chunks.go", 1)

// TestPerfettoTraceChunks runs the original Python client's query of
// perfetto_trace_chunks over FlightSQL and decodes the concatenated chunks.
func TestPerfettoTraceChunks(t *testing.T) {
	a := startApp(t)
	guard, err := telemetry.Init(telemetry.Config{URL: "http://" + a.IngestionAddr().String(), EnableCPUTracing: true})
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now().UTC()
	track := telemetry.NewTrack("busy", nil)
	const spans = 3000
	for range spans {
		track.Begin(chunkSpan)
		track.End(chunkSpan)
	}
	track.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := guard.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	end := time.Now().UTC()
	pid := guard.ProcessID()

	cl := newFlightClient(t, a.FlightSQLAddr().String())
	sql := `
    SELECT chunk_id, chunk_data
    FROM perfetto_trace_chunks(
        '` + pid + `',
        'thread',
        TIMESTAMP '` + begin.Add(-time.Second).Format("2006-01-02T15:04:05.000000+00:00") + `',
        TIMESTAMP '` + end.Add(time.Second).Format("2006-01-02T15:04:05.000000+00:00") + `'
    )
    `
	rdr := queryReader(ctx, t, cl, sql)
	var trace bytes.Buffer
	next := int32(0)
	chunks := 0
	for rdr.Next() {
		rec := rdr.RecordBatch()
		ids := rec.Column(0).(*array.Int32)
		data := rec.Column(1).(*array.Binary)
		for i := range int(rec.NumRows()) {
			if ids.Value(i) != next {
				t.Fatalf("chunk %d after chunk %d", ids.Value(i), next-1)
			}
			next++
			chunks++
			trace.Write(data.Value(i))
			if last := i == int(rec.NumRows())-1; !last && data.ValueLen(i) != perfetto.DefaultChunkSize {
				t.Errorf("chunk %d has %d bytes, want %d", ids.Value(i), data.ValueLen(i), perfetto.DefaultChunkSize)
			}
		}
	}
	if chunks < 2 {
		t.Fatalf("%d chunks: the trace should span several", chunks)
	}
	tr, err := perfettotest.Decode(trace.Bytes())
	if err != nil {
		t.Fatalf("the concatenated chunks are not a valid trace: %v", err)
	}
	slices, err := tr.Slices()
	if err != nil {
		t.Fatal(err)
	}
	if len(slices) != spans {
		t.Errorf("%d slices, want %d", len(slices), spans)
	}

	// Bad arguments are the query's fault.
	for _, bad := range []string{
		"SELECT * FROM perfetto_trace_chunks('" + pid + "', 'gpu', TIMESTAMP '2024-01-01T00:00:00Z', TIMESTAMP '2024-01-02T00:00:00Z')",
		"SELECT * FROM perfetto_trace_chunks('" + pid + "', 'both')",
		"SELECT * FROM perfetto_trace_chunks('00000000-0000-4000-8000-000000000000', 'both', TIMESTAMP '2024-01-01T00:00:00Z', TIMESTAMP '2024-01-02T00:00:00Z')",
	} {
		if _, err := cl.Execute(ctx, bad); status.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: got %v, want InvalidArgument", bad, err)
		}
	}
}
