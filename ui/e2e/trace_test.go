package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// bigTraceSpans is the size of the trace whose waterfall is measured.
const bigTraceSpans = 10_000

// TestTracePage sends traces and a log line with the OpenTelemetry Go SDK
// to a running server and checks the trace page in the browser
// (trace.mjs): from a log line's trace link to the waterfall, its nesting,
// orphans, hover and details, the paste box, an unknown id, the async span
// of a process instrumented with our library nested under the OTel SDK's
// span (sendAsyncTrace) and the process timeline's link to that trace,
// and the frames of a 10,000-span trace.
func TestTracePage(t *testing.T) {
	node := requireTools(t)
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
	defer cancel()
	bin := buildPrograms(t, "./cmd/micromegas")
	ingest, web := serve(t, bin["micromegas"])
	u, err := url.Parse(ingest)
	if err != nil {
		t.Fatalf("ingestion address %q: %v", ingest, err)
	}
	small := sendCheckoutTrace(t, ctx, u.Host)
	big := sendBigTrace(t, ctx, u.Host)
	sendPeerLogs(t, ctx, u.Host)
	mixed := sendAsyncTrace(t, ctx, ingest, u.Host)

	shots := os.Getenv("MICROMEGAS_UI_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if !filepath.IsAbs(shots) {
		shots = filepath.Join(filepath.Dir(uiDir(t)), shots)
	}
	figures := filepath.Join(t.TempDir(), "figures.json")
	cfg := map[string]any{
		"base": strings.TrimSuffix(web, "/"), "chromium": chromiumPath, "profile": t.TempDir(), "screenshots": shots,
		"figures": figures, "downloads": t.TempDir(),
		"traceId": small.traceID, "orphanParent": small.missingParent, "bigTraceId": big, "bigTraceSpans": bigTraceSpans,
		"peerLogLines": peerLogLines, "asyncTraceId": mixed.traceID, "asyncProcess": mixed.processID,
		"asyncFrom": mixed.from, "asyncTo": mixed.to,
	}
	runSteps(t, ctx, node, "trace.mjs", cfg)
	keepFigures(t, figures, "MICROMEGAS_UI_TRACE_FIGURES")
}

// sentTrace is what sendCheckoutTrace sent.
type sentTrace struct {
	traceID       string
	missingParent string
}

func resourceOf(service string) *resource.Resource {
	return resource.NewSchemaless(attribute.String("service.name", service),
		attribute.String("service.instance.id", service+"-1"), attribute.String("host.name", "e2e-host"))
}

// tracer returns a tracer provider of a service exporting to the server
// over OTLP/HTTP, one span at a time.
func tracerProvider(t *testing.T, ctx context.Context, host, service string, opts ...sdktrace.TracerProviderOption) *sdktrace.TracerProvider {
	t.Helper()
	ex, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(host), otlptracehttp.WithInsecure())
	if err != nil {
		t.Fatalf("otlptracehttp: %v", err)
	}
	if len(opts) == 0 {
		opts = []sdktrace.TracerProviderOption{sdktrace.WithSyncer(ex)}
	} else {
		opts = append(opts, sdktrace.WithBatcher(ex, sdktrace.WithMaxQueueSize(4*bigTraceSpans),
			sdktrace.WithMaxExportBatchSize(2000)))
	}
	return sdktrace.NewTracerProvider(append(opts, sdktrace.WithResource(resourceOf(service)))...)
}

// sendCheckoutTrace sends a trace across two services (frontend calls
// orders, which queries a database and a cache that fails), a span whose
// parent is never sent, and a log record of orders inside the db span.
//
//	GET /checkout (frontend, server)
//	  POST /orders (frontend, client)
//	    POST /orders (orders, server)
//	      db query (orders, client; event "retry"; a log line)
//	      cache (orders, error "cache down")
//	late callback (orders; parent missing)
func sendCheckoutTrace(t *testing.T, ctx context.Context, host string) sentTrace {
	t.Helper()
	front := tracerProvider(t, ctx, host, "frontend")
	orders := tracerProvider(t, ctx, host, "orders")
	lx, err := otlploghttp.New(ctx, otlploghttp.WithEndpoint(host), otlploghttp.WithInsecure())
	if err != nil {
		t.Fatalf("otlploghttp: %v", err)
	}
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(resourceOf("orders")), sdklog.WithProcessor(sdklog.NewSimpleProcessor(lx)))
	ft, ot := front.Tracer("e2e/frontend"), orders.Tracer("e2e/orders")

	rctx, root := ft.Start(ctx, "GET /checkout", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.route", "/checkout"), attribute.Int("http.response.status_code", 200)))
	time.Sleep(2 * time.Millisecond)
	_, call := ft.Start(rctx, "POST /orders", trace.WithSpanKind(trace.SpanKindClient))
	// The call crosses to the other service as a remote parent, as traceparent carries it.
	sctx, srv := ot.Start(trace.ContextWithRemoteSpanContext(ctx, call.SpanContext()), "POST /orders",
		trace.WithSpanKind(trace.SpanKindServer))
	dctx, db := ot.Start(sctx, "db query", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system", "postgresql"), attribute.String("db.statement", "INSERT INTO orders")))
	time.Sleep(3 * time.Millisecond)
	db.AddEvent("retry", trace.WithAttributes(attribute.Int("attempt", 2)))
	var rec otellog.Record
	rec.SetTimestamp(time.Now())
	rec.SetSeverity(otellog.SeverityInfo)
	rec.SetBody(attribute.StringValue("order 42 stored"))
	lp.Logger("e2e/orders").Emit(dctx, rec)
	time.Sleep(2 * time.Millisecond)
	db.End()
	_, cache := ot.Start(sctx, "cache", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("cache.key", "order:42"), attribute.String("server.address", "redis-1")))
	time.Sleep(time.Millisecond)
	cache.SetStatus(codes.Error, "cache down")
	cache.End()
	srv.End()
	call.End()
	time.Sleep(time.Millisecond)
	root.End()
	// A span whose parent the server never receives (a sampler upstream, another backend).
	missing := trace.SpanContextConfig{TraceID: root.SpanContext().TraceID(), SpanID: trace.SpanID{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4},
		TraceFlags: trace.FlagsSampled, Remote: true}
	_, late := ot.Start(trace.ContextWithRemoteSpanContext(ctx, trace.NewSpanContext(missing)), "late callback")
	time.Sleep(time.Millisecond)
	late.End()

	for _, p := range []interface{ Shutdown(context.Context) error }{front, orders, lp} {
		if err := p.Shutdown(ctx); err != nil {
			t.Fatalf("send the trace: %v", err)
		}
	}
	return sentTrace{traceID: root.SpanContext().TraceID().String(), missingParent: missing.SpanID.String()}
}

// sendBigTrace sends one trace of bigTraceSpans spans: a root, 100
// requests under it, each with 99 steps under it (a few of them nested one
// level deeper), and returns its id.
func sendBigTrace(t *testing.T, ctx context.Context, host string) string {
	t.Helper()
	tp := tracerProvider(t, ctx, host, "fanout", sdktrace.WithSampler(sdktrace.AlwaysSample()))
	tr := tp.Tracer("e2e/fanout")
	rctx, root := tr.Start(ctx, "batch")
	n := 1
	for i := 0; n < bigTraceSpans; i++ {
		cctx, req := tr.Start(rctx, fmt.Sprintf("request %d", i))
		n++
		var prev context.Context = cctx
		for j := 0; j < 99 && n < bigTraceSpans; j++ {
			parent := cctx
			if j%10 == 9 {
				parent = prev // every tenth step under the one before it
			}
			sctx, step := tr.Start(parent, fmt.Sprintf("step %d.%d", i, j))
			step.End()
			prev = sctx
			n++
		}
		req.End()
	}
	root.End()
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatalf("send the big trace: %v", err)
	}
	return root.SpanContext().TraceID().String()
}

// peerLogLines is the number of log lines of the peer measurement: the log
// view (the other virtual list of the UI) scrolled as the waterfall is, in
// the same run.
const peerLogLines = 10_000

// sendPeerLogs sends peerLogLines log records "peer line <i>" of a service
// of their own, with no trace.
func sendPeerLogs(t *testing.T, ctx context.Context, host string) {
	t.Helper()
	lx, err := otlploghttp.New(ctx, otlploghttp.WithEndpoint(host), otlploghttp.WithInsecure())
	if err != nil {
		t.Fatalf("otlploghttp: %v", err)
	}
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(resourceOf("peer")),
		sdklog.WithProcessor(sdklog.NewBatchProcessor(lx, sdklog.WithMaxQueueSize(2*peerLogLines), sdklog.WithExportMaxBatchSize(2000))))
	logger := lp.Logger("e2e/peer")
	now := time.Now()
	for i := 0; i < peerLogLines; i++ {
		var rec otellog.Record
		rec.SetTimestamp(now.Add(time.Duration(i-peerLogLines) * time.Millisecond))
		rec.SetSeverity(otellog.SeverityInfo)
		rec.SetBody(attribute.StringValue(fmt.Sprintf("peer line %d", i)))
		logger.Emit(ctx, rec)
	}
	if err := lp.Shutdown(ctx); err != nil {
		t.Fatalf("send the peer log lines: %v", err)
	}
}
