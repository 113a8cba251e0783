package lakehouse

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/cputime"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/otlp"
)

// Benchmarks of OTLP data (docs/benchmarks.md, "OTLP"):
//
//	go test -run '^$' -bench 'ETL/otlp|TraceByID' -benchtime 1x ./internal/lakehouse/
//
// MICROMEGAS_BENCH_SPANS sets the spans of BenchmarkTraceByID (default
// 1,000,000; docs/benchmarks.md has 10,000,000) and MICROMEGAS_BENCH_DIR
// keeps its data between runs.

// otlpBatch is the records per request, the OpenTelemetry SDK's
// default export batch.
const otlpBatch = 512

// spansPerTrace is the size of the generated traces.
const spansPerTrace = 8

var (
	spanNames  = []string{"GET /orders", "POST /orders", "db.query", "cache.get", "rpc.call", "render", "auth.check", "queue.push"}
	spanRoutes = []string{"/orders", "/orders/{id}", "/users/{id}", "/cart", "/checkout"}
	services   = []string{"frontend", "orders", "payments", "inventory"}
)

// benchResource gives a resource the attributes an SDK sends.
func benchResource(res pcommon.Resource, service string, instance int) {
	a := res.Attributes()
	a.PutStr("service.name", service)
	a.PutStr("service.instance.id", service+"-"+strconv.Itoa(instance))
	a.PutStr("host.name", "node-"+strconv.Itoa(instance%3))
	a.PutStr("telemetry.sdk.language", "go")
	a.PutStr("telemetry.sdk.name", "opentelemetry")
	a.PutStr("telemetry.sdk.version", "1.47.0")
}

// spansRequest is one request of otlpBatch spans of one service, in
// traces of spansPerTrace spans (a root and its children), starting at
// begin; trace ids are random (from rng).
func spansRequest(rng *rand.Rand, service string, instance int, begin time.Time) ptraceotlp.ExportRequest {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	benchResource(rs.Resource(), service, instance)
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp")
	ss.Scope().SetVersion("0.71.0")
	spans := ss.Spans()
	spans.EnsureCapacity(otlpBatch)
	var tid pcommon.TraceID
	var root pcommon.SpanID
	for i := range otlpBatch {
		sp := spans.AppendEmpty()
		var sid pcommon.SpanID
		for j := range sid {
			sid[j] = byte(rng.Uint32())
		}
		if i%spansPerTrace == 0 {
			for j := range tid {
				tid[j] = byte(rng.Uint32())
			}
			root = sid
			sp.SetKind(ptrace.SpanKindServer)
		} else {
			sp.SetParentSpanID(root)
			sp.SetKind(ptrace.SpanKindClient)
		}
		sp.SetTraceID(tid)
		sp.SetSpanID(sid)
		sp.SetName(spanNames[rng.IntN(len(spanNames))])
		start := begin.Add(time.Duration(i) * time.Millisecond)
		sp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
		sp.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(rng.IntN(50_000)) * time.Microsecond)))
		a := sp.Attributes()
		a.PutStr("http.request.method", "GET")
		a.PutStr("http.route", spanRoutes[rng.IntN(len(spanRoutes))])
		a.PutInt("http.response.status_code", 200)
		a.PutStr("server.address", "api.example.com")
		a.PutStr("user.id", "u-"+strconv.Itoa(rng.IntN(10_000)))
		if rng.IntN(10) == 0 {
			ev := sp.Events().AppendEmpty()
			ev.SetName("exception")
			ev.SetTimestamp(pcommon.NewTimestampFromTime(start))
			ev.Attributes().PutStr("exception.message", "connection reset by peer")
			sp.Status().SetCode(ptrace.StatusCodeError)
		}
	}
	return ptraceotlp.NewExportRequestFromTraces(td)
}

// logsRequest is one request of otlpBatch log records of one service.
func benchLogsRequest(rng *rand.Rand, service string, instance int, begin time.Time) plogotlp.ExportRequest {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	benchResource(rl.Resource(), service, instance)
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("app/http")
	lrs := sl.LogRecords()
	lrs.EnsureCapacity(otlpBatch)
	for i := range otlpBatch {
		lr := lrs.AppendEmpty()
		t := begin.Add(time.Duration(i) * time.Millisecond)
		lr.SetTimestamp(pcommon.NewTimestampFromTime(t))
		lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(t))
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.SetSeverityText("INFO")
		lr.Body().SetStr("request " + strconv.Itoa(rng.IntN(1_000_000)) + " served in " + strconv.Itoa(rng.IntN(1000)) + " ms")
		a := lr.Attributes()
		a.PutStr("http.route", spanRoutes[rng.IntN(len(spanRoutes))])
		a.PutInt("http.response.status_code", 200)
		var tid pcommon.TraceID
		for j := range tid {
			tid[j] = byte(rng.Uint32())
		}
		lr.SetTraceID(tid)
	}
	return plogotlp.NewExportRequestFromLogs(ld)
}

// genOTLP sends n records (rounded up to whole requests) through a
// receiver into tl, requests spread evenly over span of insert time
// from start, one service after the other.
func genOTLP(b testing.TB, tl *testLake, s otlp.Signal, n int, start time.Time, span time.Duration) {
	r, err := otlp.New(otlp.Options{Catalog: tl.store, Blobs: tl.blobs})
	if err != nil {
		b.Fatal(err)
	}
	h := r.Handler(s)
	rng := rand.New(rand.NewPCG(1, 2))
	reqs := (n + otlpBatch - 1) / otlpBatch
	step := span / time.Duration(reqs)
	for i := range reqs {
		at := start.Add(time.Duration(i) * step)
		svc, inst := services[i%len(services)], i%(2*len(services))
		var body []byte
		if s == otlp.Traces {
			body, err = spansRequest(rng, svc, inst, at).MarshalProto()
		} else {
			body, err = benchLogsRequest(rng, svc, inst, at).MarshalProto()
		}
		if err != nil {
			b.Fatal(err)
		}
		if err := postOTLP(h, s, body); err != nil {
			b.Fatal(err)
		}
		// A one-process protobuf request is stored as is, as the block
		// whose id is the UUID v5 of its stream and bytes.
		stream := uuid.MustParse(otlp.StreamID(processOf(svc, inst), s))
		tl.store.SetInsertTime(uuid.NewSHA1(stream, body).String(), at)
	}
}

// processOf is the process id of a generated service instance.
func processOf(service string, instance int) string {
	res := pcommon.NewResource()
	benchResource(res, service, instance)
	return otlp.ProcessID(res)
}

// BenchmarkTraceByID finds one trace among MICROMEGAS_BENCH_SPANS spans
// stored over a day in hour partitions of otel_spans (as the daemon
// leaves them), through the lakehouse (trace id filters, then DuckDB
// with the row-group statistics of files sorted by trace id), and with
// plain DuckDB over the same files (statistics only).
func BenchmarkTraceByID(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("MICROMEGAS_BENCH_SPANS")); err == nil && v > 0 {
		n = v
	}
	tl, ids := traceBenchData(b, n)
	ctx := context.Background()
	parts := tl.partitions(b, OtelSpansView, GlobalInstance)
	var files []string
	var bytes, rows int64
	for _, p := range parts {
		path, release, err := tl.localFile(ctx, p.FilePath)
		if err != nil {
			b.Fatal(err)
		}
		defer release()
		files = append(files, path)
		bytes += p.FileSize
		rows += p.NumRows
	}
	check := func(b *testing.B, got []string, id string) {
		if len(got) != spansPerTrace {
			b.Fatalf("trace %s: %d spans, want %d", id, len(got), spansPerTrace)
		}
	}
	const sql = `SELECT * FROM otel_spans WHERE trace_id = '%s'`
	b.Run("impl=lakehouse", func(b *testing.B) {
		cpu0 := cputime.Process()
		for i := 0; b.Loop(); i++ {
			id := ids[i%len(ids)]
			check(b, tl.rows(b, fmt.Sprintf(sql, id), QueryOptions{}), id)
		}
		b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
		b.ReportMetric(float64(rows), "spans")
		b.ReportMetric(float64(len(files)), "files")
		b.ReportMetric(float64(bytes)/float64(rows), "parquet_B/span")
	})
	b.Run("impl=duckdb", func(b *testing.B) {
		cpu0 := cputime.Process()
		for i := 0; b.Loop(); i++ {
			id := ids[i%len(ids)]
			rdr, err := tl.eng.Query(ctx, fmt.Sprintf(`SELECT * FROM spans WHERE trace_id = '%s'`, id),
				[]engine.Table{{Name: "spans", Files: files}})
			if err != nil {
				b.Fatal(err)
			}
			got, err := readRows(rdr)
			rdr.Release()
			if err != nil {
				b.Fatal(err)
			}
			check(b, got, id)
		}
		b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	})
}

// traceBenchData makes (or reopens, in MICROMEGAS_BENCH_DIR) a lake of
// n spans over a day in hour partitions of otel_spans, and returns some
// of its trace ids.
func traceBenchData(b *testing.B, n int) (*testLake, []string) {
	dir := os.Getenv("MICROMEGAS_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	} else {
		dir = filepath.Join(dir, "otel_spans-"+strconv.Itoa(n))
	}
	tl := newTestLakeIn(b, dir)
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if len(tl.partitions(b, OtelSpansView, GlobalInstance)) == 0 {
		start := time.Now()
		genOTLP(b, tl, otlp.Traces, n, day, 24*time.Hour)
		gen := time.Since(start)
		start, cpu0 := time.Now(), cputime.Process()
		if _, err := tl.MaterializeRange(context.Background(), OtelSpansView, day, day.Add(24*time.Hour), time.Hour); err != nil {
			b.Fatal(err)
		}
		b.Logf("%d spans generated in %v, materialized in %v (%v CPU)", n, gen, time.Since(start), cputime.Process()-cpu0)
		// Every block is in a partition: the tail of a query is empty. The
		// test catalog (lakehousetest.Store) lists every block to find
		// the tail, where a real catalog reads an index: delete them.
		blocks, err := tl.store.ListBlocks(context.Background(), catalog.BlockFilter{})
		if err != nil {
			b.Fatal(err)
		}
		ids := make([]string, len(blocks))
		for i, bl := range blocks {
			ids[i] = bl.BlockID
		}
		if _, err := tl.store.DeleteBlocks(context.Background(), ids); err != nil {
			b.Fatal(err)
		}
	}
	ids := tl.rows(b, `SELECT DISTINCT trace_id FROM otel_spans USING SAMPLE 64 ROWS`, QueryOptions{})
	return tl, ids
}
