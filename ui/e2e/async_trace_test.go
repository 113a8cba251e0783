package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/micromegas-go/micromegas/telemetry"
	"github.com/micromegas-go/micromegas/telemetry/httptrace"
)

// asyncTrace is what sendAsyncTrace sent.
type asyncTrace struct {
	traceID string
	// processID is the process of our library whose async span is in the trace.
	processID string
	// from and to bound the request (RFC 3339), for the process timeline.
	from, to string
}

// sendAsyncTrace sends a trace mixing the OpenTelemetry SDK and our
// library: a "gateway" service (OTel SDK) calls a server instrumented with
// telemetry/httptrace, carrying traceparent; the server answers 503 with a
// 4-byte body. Its async span must nest under the gateway's client span
// (async spans are recorded only with CPU tracing on).
//
//	GET /shop (gateway, server)
//	  GET /api/{id} (gateway, client)
//	    GET /api/{id} (this process, async; status 503)
func sendAsyncTrace(t *testing.T, ctx context.Context, ingest, host string) asyncTrace {
	t.Helper()
	guard, err := telemetry.Init(telemetry.Config{URL: ingest, EnableCPUTracing: true, RuntimeMetricsPeriod: telemetry.RuntimeMetricsOff})
	if err != nil {
		t.Fatalf("telemetry init: %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("busy"))
	})
	srv := httptest.NewServer(httptrace.Middleware(mux))
	defer srv.Close()

	gw := tracerProvider(t, ctx, host, "gateway")
	tr := gw.Tracer("e2e/gateway")
	rctx, root := tr.Start(ctx, "GET /shop", trace.WithSpanKind(trace.SpanKindServer))
	cctx, call := tr.Start(rctx, "GET /api/{id}", trace.WithSpanKind(trace.SpanKindClient))
	start := time.Now()
	req, _ := http.NewRequestWithContext(cctx, http.MethodGet, srv.URL+"/api/7", nil)
	propagation.TraceContext{}.Inject(cctx, propagation.HeaderCarrier(req.Header))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("call the instrumented server: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	call.End()
	root.End()
	stop := time.Now()
	if err := gw.Shutdown(ctx); err != nil {
		t.Fatalf("send the gateway's spans: %v", err)
	}
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := guard.Shutdown(sctx); err != nil {
		t.Fatalf("send our library's async spans: %v", err)
	}
	return asyncTrace{traceID: root.SpanContext().TraceID().String(), processID: guard.ProcessID(),
		from: start.Add(-time.Millisecond).UTC().Format(time.RFC3339Nano), to: stop.Add(time.Millisecond).UTC().Format(time.RFC3339Nano)}
}
