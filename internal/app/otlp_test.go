package app

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/micromegas-go/micromegas/internal/otlp"
)

// lines writes rows one per line, their values separated by |.
func lines(rows [][]string) string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = strings.Join(r, "|")
	}
	return strings.Join(out, "\n")
}

// otlpSent is what sendOTLP sent through the OpenTelemetry SDK.
type otlpSent struct {
	service, instance     string
	traceID               string
	rootID, dbID, cacheID string
}

// otlpExporters are the SDK exporters of one transport.
type otlpExporters struct {
	traces  sdktrace.SpanExporter
	logs    sdklog.Exporter
	metrics sdkmetric.Exporter
}

func deltaTemporality(sdkmetric.InstrumentKind) metricdata.Temporality {
	return metricdata.DeltaTemporality
}

// httpExporters send OTLP/HTTP (protobuf, gzip) to a's ingestion address.
func httpExporters(t *testing.T, a *App) otlpExporters {
	ctx := context.Background()
	ep := a.IngestionAddr().String()
	tr, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(ep), otlptracehttp.WithInsecure(),
		otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	if err != nil {
		t.Fatal(err)
	}
	lg, err := otlploghttp.New(ctx, otlploghttp.WithEndpoint(ep), otlploghttp.WithInsecure(),
		otlploghttp.WithCompression(otlploghttp.GzipCompression))
	if err != nil {
		t.Fatal(err)
	}
	mt, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpoint(ep), otlpmetrichttp.WithInsecure(),
		otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression), otlpmetrichttp.WithTemporalitySelector(deltaTemporality))
	if err != nil {
		t.Fatal(err)
	}
	return otlpExporters{traces: tr, logs: lg, metrics: mt}
}

// grpcExporters send OTLP/gRPC to a's OTLP/gRPC address.
func grpcExporters(t *testing.T, a *App) otlpExporters {
	ctx := context.Background()
	ep := a.OTLPGRPCAddr().String()
	tr, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(ep), otlptracegrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	lg, err := otlploggrpc.New(ctx, otlploggrpc.WithEndpoint(ep), otlploggrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	// The SDK's default cumulative temporality: its histogram gives the
	// same measure_stats sketch as the delta one over HTTP (the first
	// point of a series started recently counts whole).
	mt, err := otlpmetricgrpc.New(ctx, otlpmetricgrpc.WithEndpoint(ep), otlpmetricgrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	return otlpExporters{traces: tr, logs: lg, metrics: mt}
}

// latencies are the values of the latency histogram, whose buckets are
// latencyBounds.
var (
	latencies     = []float64{5, 20, 30, 70, 200}
	latencyBounds = []float64{10, 50, 100}
)

// sendOTLP sends a trace of three spans, two log records (one inside
// the root span) and three metrics through the SDK, then shuts the
// providers down, which flushes them.
func sendOTLP(t *testing.T, ex otlpExporters, service string) otlpSent {
	t.Helper()
	ctx := context.Background()
	sent := otlpSent{service: service, instance: uuid.NewString()}
	res := resource.NewSchemaless(attribute.String("service.name", service),
		attribute.String("service.instance.id", sent.instance), attribute.String("host.name", "otlp-host"),
		attribute.String("deployment.environment.name", "test"))

	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithSyncer(ex.traces))
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(sdklog.NewSimpleProcessor(ex.logs)))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithReader(sdkmetric.NewPeriodicReader(ex.metrics)),
		sdkmetric.WithView(sdkmetric.NewView(sdkmetric.Instrument{Name: "latency"},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: latencyBounds}})))

	tracer := tp.Tracer("otlp-test/tracer")
	logger := lp.Logger("otlp-test/logger")
	meter := mp.Meter("otlp-test/meter")

	rctx, root := tracer.Start(ctx, "GET /orders", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.method", "GET"), attribute.Int("http.status_code", 200)))
	_, db := tracer.Start(rctx, "db query", trace.WithSpanKind(trace.SpanKindClient))
	db.AddEvent("retry", trace.WithAttributes(attribute.Int("attempt", 2)))
	db.End()
	_, cache := tracer.Start(rctx, "cache", trace.WithLinks(trace.Link{SpanContext: db.SpanContext()}))
	cache.SetStatus(codes.Error, "cache down")
	cache.End()

	var rec otellog.Record
	rec.SetTimestamp(time.Now())
	rec.SetSeverity(otellog.SeverityWarn)
	rec.SetSeverityText("WARN")
	rec.SetBody(attribute.StringValue("disk full"))
	rec.AddAttributes(attribute.String("disk", "/dev/sda"), attribute.Int("free", 0))
	logger.Emit(rctx, rec)
	var plain otellog.Record
	plain.SetObservedTimestamp(time.Now())
	plain.SetSeverity(otellog.SeverityError2)
	plain.SetBody(attribute.MapValue(attribute.String("event", "crash")))
	logger.Emit(ctx, plain)
	root.End()

	requests, err := meter.Int64Counter("requests", metric.WithUnit("{request}"))
	if err != nil {
		t.Fatal(err)
	}
	requests.Add(ctx, 5, metric.WithAttributes(attribute.String("route", "/orders")))
	temp, err := meter.Float64Gauge("temperature", metric.WithUnit("Cel"))
	if err != nil {
		t.Fatal(err)
	}
	temp.Record(ctx, 21.5)
	lat, err := meter.Float64Histogram("latency", metric.WithUnit("ms"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range latencies {
		lat.Record(ctx, v)
	}

	sent.traceID = root.SpanContext().TraceID().String()
	sent.rootID = root.SpanContext().SpanID().String()
	sent.dbID = db.SpanContext().SpanID().String()
	sent.cacheID = cache.SpanContext().SpanID().String()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for name, shutdown := range map[string]func(context.Context) error{"traces": tp.Shutdown, "logs": lp.Shutdown, "metrics": mp.Shutdown} {
		if err := shutdown(sctx); err != nil {
			t.Fatalf("%s provider shutdown (export): %v", name, err)
		}
	}
	return sent
}

// TestOTLPExporters sends traces, logs and metrics with the
// OpenTelemetry Go SDK's OTLP/HTTP and OTLP/gRPC exporters to a running
// server and reads them back over FlightSQL: otel_spans, log_entries,
// measures, measure_stats and processes hold exactly what was sent.
func TestOTLPExporters(t *testing.T) {
	a := startApp(t)
	for _, tc := range []struct {
		transport string
		exporters func(*testing.T, *App) otlpExporters
	}{
		{"http", httpExporters},
		{"grpc", grpcExporters},
	} {
		t.Run(tc.transport, func(t *testing.T) {
			checkOTLPScenario(t, a, "otlp-test-"+tc.transport, tc.exporters)
		})
	}
}

// checkOTLPScenario sends the OTLP fixture as service through the
// exporters and checks every view holds it. Every topology (SQLite +
// folder, PostgreSQL + S3) runs it.
func checkOTLPScenario(t *testing.T, a *App, service string, exporters func(*testing.T, *App) otlpExporters) {
	t.Helper()
	sent := sendOTLP(t, exporters(t, a), service)
	checkOTLPProcess(t, a, sent)
	checkOTLPSpans(t, a, sent)
	checkOTLPLogs(t, a, sent)
	checkOTLPMetrics(t, a, sent)
}

// checkOTLPProcess checks the process made of the resource: its id is
// otlp.ProcessID of the identifying attributes, its exe and computer
// come from service.name and host.name.
func checkOTLPProcess(t *testing.T, a *App, sent otlpSent) {
	res := pcommon.NewResource()
	res.Attributes().PutStr("service.name", sent.service)
	res.Attributes().PutStr("service.instance.id", sent.instance)
	res.Attributes().PutStr("host.name", "otlp-host")
	res.Attributes().PutStr("deployment.environment.name", "other") // not identifying
	want := otlp.ProcessID(res)
	_, rows := queryRows(t, a.FlightSQLAddr().String(), fmt.Sprintf(
		`SELECT process_id, exe, computer, property_get(properties, 'deployment.environment.name') FROM processes WHERE exe = '%s'`, sent.service))
	if got := lines(rows); got != want+"|"+sent.service+"|otlp-host|test" {
		t.Errorf("processes = %s, want %s|%s|otlp-host|test", got, want, sent.service)
	}
	_, rows = queryRows(t, a.FlightSQLAddr().String(), fmt.Sprintf(
		`SELECT count(*), list_sort(flatten(list(tags))) FROM streams WHERE process_id = '%s'`, want))
	if got := lines(rows); got != `3|["log","metrics","traces"]` {
		t.Errorf("stream tags = %s, want one stream per signal: [log metrics traces]", got)
	}
}

func checkOTLPSpans(t *testing.T, a *App, sent otlpSent) {
	addr := a.FlightSQLAddr().String()
	_, rows := queryRows(t, addr, fmt.Sprintf(`SELECT name, kind, span_id, coalesce(parent_span_id, '-'), status_code, status_message,
		property_get(attributes, 'http.method'), property_get(attributes, 'http.status_code'), service_name, scope_name,
		property_get(resource_attributes, 'host.name'), duration = epoch_ns("end") - epoch_ns("begin")
		FROM otel_spans WHERE trace_id = '%s' ORDER BY "begin", name`, sent.traceID))
	want := strings.Join([]string{
		fmt.Sprintf("GET /orders|server|%s|-|unset||GET|200|%s|otlp-test/tracer|otlp-host|true", sent.rootID, sent.service),
		fmt.Sprintf("db query|client|%s|%s|unset||(null)|(null)|%s|otlp-test/tracer|otlp-host|true", sent.dbID, sent.rootID, sent.service),
		fmt.Sprintf("cache|internal|%s|%s|error|cache down|(null)|(null)|%s|otlp-test/tracer|otlp-host|true", sent.cacheID, sent.rootID, sent.service),
	}, "\n")
	if got := lines(rows); got != want {
		t.Errorf("spans of trace %s:\n%s\nwant\n%s", sent.traceID, got, want)
	}
	_, rows = queryRows(t, addr, fmt.Sprintf(`SELECT events, links FROM otel_spans WHERE trace_id = '%s' AND name IN ('db query', 'cache') ORDER BY name`, sent.traceID))
	if len(rows) != 2 {
		t.Fatalf("events and links: %d rows, want 2", len(rows))
	}
	var events []struct {
		Name       string            `json:"name"`
		Time       time.Time         `json:"time"`
		Attributes map[string]string `json:"attributes"`
	}
	if err := json.Unmarshal([]byte(rows[1][0]), &events); err != nil || len(events) != 1 || events[0].Name != "retry" ||
		events[0].Attributes["attempt"] != "2" || events[0].Time.IsZero() {
		t.Errorf("events of db query = %s (%v), want one retry event with attempt 2", rows[1][0], err)
	}
	var links []map[string]any
	if err := json.Unmarshal([]byte(rows[0][1]), &links); err != nil || len(links) != 1 ||
		links[0]["trace_id"] != sent.traceID || links[0]["span_id"] != sent.dbID {
		t.Errorf("links of cache = %s (%v), want one link to db query", rows[0][1], err)
	}
	// The per-process view holds the same spans as the global one.
	pid := otlpProcessID(t, a, sent)
	_, rows = queryRows(t, addr, fmt.Sprintf(`SELECT count(*), count(DISTINCT trace_id) FROM view_instance('otel_spans', '%s')`, pid))
	if got := lines(rows); got != "3|1" {
		t.Errorf("view_instance('otel_spans') = %s spans|traces, want 3|1", got)
	}
}

func otlpProcessID(t *testing.T, a *App, sent otlpSent) string {
	_, rows := queryRows(t, a.FlightSQLAddr().String(), fmt.Sprintf(`SELECT process_id FROM processes WHERE exe = '%s'`, sent.service))
	if len(rows) != 1 {
		t.Fatalf("processes of %s: %v, want one", sent.service, rows)
	}
	return rows[0][0]
}

func checkOTLPLogs(t *testing.T, a *App, sent otlpSent) {
	_, rows := queryRows(t, a.FlightSQLAddr().String(), fmt.Sprintf(`SELECT level, target, msg, property_get(properties, 'trace_id'),
		property_get(properties, 'span_id'), property_get(properties, 'disk'), property_get(properties, 'free'),
		property_get(properties, 'severity_text'), computer FROM log_entries WHERE exe = '%s' ORDER BY level`, sent.service))
	want := strings.Join([]string{
		`2|otlp-test/logger|{"event":"crash"}|(null)|(null)|(null)|(null)|(null)|otlp-host`,
		fmt.Sprintf("3|otlp-test/logger|disk full|%s|%s|/dev/sda|0|WARN|otlp-host", sent.traceID, sent.rootID),
	}, "\n")
	if got := lines(rows); got != want {
		t.Errorf("log entries:\n%s\nwant\n%s", got, want)
	}
	_, rows = queryRows(t, a.FlightSQLAddr().String(), fmt.Sprintf(`SELECT level, sum(count) FROM log_stats
		WHERE process_id = '%s' GROUP BY level ORDER BY level`, otlpProcessID(t, a, sent)))
	if got := lines(rows); got != "2|1\n3|1" {
		t.Errorf("log_stats = %s, want 2|1 and 3|1", got)
	}
}

func checkOTLPMetrics(t *testing.T, a *App, sent otlpSent) {
	addr := a.FlightSQLAddr().String()
	_, rows := queryRows(t, addr, fmt.Sprintf(`SELECT name, unit, target, value, coalesce(property_get(properties, 'route'), '')
		FROM measures WHERE exe = '%s' ORDER BY name`, sent.service))
	want := strings.Join([]string{
		"latency_count||otlp-test/meter|5|",
		"latency_max|ms|otlp-test/meter|200|",
		"latency_min|ms|otlp-test/meter|5|",
		"latency_sum|ms|otlp-test/meter|325|",
		"requests|{request}|otlp-test/meter|5|/orders",
		"temperature|Cel|otlp-test/meter|21.5|",
	}, "\n")
	if got := lines(rows); got != want {
		t.Errorf("measures:\n%s\nwant\n%s", got, want)
	}
	// The histogram's buckets are a sketch of measure_stats: its count,
	// sum, min and max are the histogram's, and its quantiles fall in the
	// buckets of the values (each counted at its bucket's midpoint).
	_, rows = queryRows(t, addr, fmt.Sprintf(`SELECT sum("count"), sum("sum"), min("min"), max("max"),
		quantile_from_sketch(sum_sketches(sketch), 0.5), quantile_from_sketch(sum_sketches(sketch), 0.2)
		FROM measure_stats WHERE process_id = '%s' AND name = 'latency'`, otlpProcessID(t, a, sent)))
	if len(rows) != 1 {
		t.Fatalf("measure_stats of latency: %v", rows)
	}
	got := rows[0]
	if strings.Join(got[:4], "|") != "5|325|5|200" {
		t.Errorf("measure_stats latency count|sum|min|max = %s, want 5|325|5|200", strings.Join(got[:4], "|"))
	}
	// Midpoints: (5, 10] → 7.5, (10, 50] → 30 (two values), (50, 100] →
	// 75, (100, 200] → 150. The median is the third value: 30; the 0.2
	// quantile the first: 7.5.
	for i, wantQ := range []float64{30, 7.5} {
		q, err := strconv.ParseFloat(got[4+i], 64)
		if err != nil || math.Abs(q-wantQ) > wantQ*0.004 {
			t.Errorf("quantile %d of latency = %s, want %g within 0.4%%", i, got[4+i], wantQ)
		}
	}
}
