package telemetrytest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// OpenTelemetrySDK is the peer of the middleware benchmarks: the
// OpenTelemetry SDK recording every span (batched to an exporter that
// discards them) and metrics (kept by a manual reader), with W3C trace
// context propagation.
type OpenTelemetrySDK struct {
	Tracer     *sdktrace.TracerProvider
	Meter      *sdkmetric.MeterProvider
	Propagator propagation.TextMapPropagator
}

// NewOpenTelemetrySDK starts the SDK; it is shut down at the end of the
// benchmark.
func NewOpenTelemetrySDK(tb testing.TB) *OpenTelemetrySDK {
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()), sdktrace.WithSampler(sdktrace.AlwaysSample()))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	tb.Cleanup(func() {
		tp.Shutdown(context.Background())
		mp.Shutdown(context.Background())
	})
	return &OpenTelemetrySDK{Tracer: tp, Meter: mp, Propagator: propagation.TraceContext{}}
}

// DiscardServer is an ingestion endpoint that accepts and drops
// everything, for benchmarks that must not measure decoding.
func DiscardServer(tb testing.TB) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tb.Cleanup(srv.Close)
	return srv.URL
}
