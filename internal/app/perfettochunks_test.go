package app

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/micromegas-go/micromegas/internal/perfetto"
	"github.com/micromegas-go/micromegas/internal/perfetto/perfettotest"
	"github.com/micromegas-go/micromegas/telemetry"
)

var chunkSpan = telemetry.NewSpanTarget("chunks/span", "step", "chunks.go", 1)

// TestPerfettoTraceChunks runs the original Python client's query of
// perfetto_trace_chunks over FlightSQL and decodes the concatenated chunks,
// then uses the table function in composed SQL.
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

	if f := rdr.Schema().Fields(); len(f) != 2 || f[0].Name != "chunk_id" || f[0].Type.ID() != arrow.INT32 ||
		f[1].Name != "chunk_data" || f[1].Type.ID() != arrow.BINARY {
		t.Errorf("schema %s, want chunk_id INT32, chunk_data BINARY", rdr.Schema())
	}
	info, err := cl.Execute(ctx, sql)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := flight.DeserializeSchema(info.Schema, memory.DefaultAllocator); err != nil || !s.Equal(rdr.Schema()) {
		t.Errorf("FlightInfo schema %v (%v), want the result's %s", s, err, rdr.Schema())
	}

	// The function composes with the rest of SQL.
	lit := func(d time.Time) string { return "TIMESTAMP '" + d.Format("2006-01-02 15:04:05.999999") + "'" }
	call := "perfetto_trace_chunks('" + pid + "', 'thread', " + lit(begin.Add(-time.Second)) + ", " + lit(end.Add(time.Second)) + ")"
	size := strconv.Itoa(trace.Len())
	for _, tc := range []struct {
		name, sql string
		want      string
	}{
		{"count", "SELECT count(*) FROM " + call, strconv.Itoa(chunks)},
		{"filter and order", "SELECT chunk_id, octet_length(chunk_data) FROM " + call + " WHERE chunk_id < 3 ORDER BY chunk_id DESC",
			"2 8192\n1 8192\n0 8192"},
		{"aggregate", "SELECT sum(octet_length(chunk_data)) FROM " + call, size},
		{"relative times", "SELECT count(*), sum(octet_length(chunk_data)) FROM perfetto_trace_chunks('" + pid +
			"', 'thread', now() - INTERVAL 1 HOUR, now() + INTERVAL 1 MINUTE)", strconv.Itoa(chunks) + " " + size},
		{"self join", "SELECT count(*) FROM " + call + " a JOIN " + call + " b ON a.chunk_id = b.chunk_id AND a.chunk_data = b.chunk_data",
			strconv.Itoa(chunks)},
		{"join a view", "SELECT p.exe <> '', max(c.chunk_id) FROM " + call + " c JOIN processes p ON p.process_id = '" + pid + "' GROUP BY 1",
			"true " + strconv.Itoa(chunks-1)},
		{"subquery argument", "SELECT count(*) FROM perfetto_trace_chunks((SELECT process_id FROM processes WHERE process_id = '" + pid +
			"'), 'thread', " + lit(begin.Add(-time.Second)) + ", " + lit(end.Add(time.Second)) + ")", strconv.Itoa(chunks)},
		{"string times", "SELECT count(*) FROM perfetto_trace_chunks('" + pid + "', 'thread', '" +
			begin.Add(-time.Second).Format(time.RFC3339Nano) + "', '" + end.Add(time.Second).Format(time.RFC3339Nano) + "')", strconv.Itoa(chunks)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, rows := queryRows(t, a.FlightSQLAddr().String(), tc.sql)
			var got []string
			for _, r := range rows {
				got = append(got, strings.Join(r, " "))
			}
			if strings.Join(got, "\n") != tc.want {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), tc.want)
			}
		})
	}

	// Bad arguments and unknown processes are the query's fault, with a
	// message that says what is wrong.
	for _, tc := range []struct{ sql, want string }{
		{"SELECT * FROM perfetto_trace_chunks('" + pid + "', 'gpu', TIMESTAMP '2024-01-01T00:00:00Z', TIMESTAMP '2024-01-02T00:00:00Z')",
			`span types "gpu": use thread, async or both`},
		{"SELECT * FROM perfetto_trace_chunks('" + pid + "', 'both')", "perfetto_trace_chunks(process_id, span_types, begin, end): takes 4 arguments, got 2"},
		{"SELECT count(*) FROM perfetto_trace_chunks('00000000-0000-4000-8000-000000000000', 'both', now() - INTERVAL 1 DAY, now())",
			"process 00000000-0000-4000-8000-000000000000 not found"},
		{"SELECT * FROM perfetto_trace_chunks('" + pid + "', 'both', 'yesterday', now())", `argument 3: "yesterday" is not a timestamp`},
		{"SELECT * FROM perfetto_trace_chunks('" + pid + "', 'both', 42, now())", "argument 3 must be a timestamp"},
		{"SELECT * FROM perfetto_trace_chunks(7, 'both', now(), now())", "argument 1 must be a string"},
		{"SELECT * FROM perfetto_trace_chunks('" + pid + "', 'both', now(), now() - INTERVAL 1 HOUR)", "is before begin"},
		{"SELECT * FROM processes p, perfetto_trace_chunks(p.process_id, 'both', now(), now())", "must be constant expressions"},
	} {
		_, err := cl.Execute(ctx, tc.sql)
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), tc.want) {
			t.Errorf("%s: got %v, want InvalidArgument containing %q", tc.sql, err, tc.want)
		}
	}
}
