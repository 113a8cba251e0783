package httptrace

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/micromegas-go/micromegas/internal/telemetrytest"
	"github.com/micromegas-go/micromegas/telemetry"
	"github.com/micromegas-go/micromegas/telemetry/traceparent"
)

// benchMux is the application of the benchmarks: a route with a path
// parameter.
func benchMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, r.PathValue("id"))
	})
	return mux
}

// initBench starts telemetry with spans on, sending to a server that
// drops what it gets.
func initBench(b *testing.B) {
	g, err := telemetry.Init(telemetry.Config{URL: telemetrytest.DiscardServer(b), EnableCPUTracing: true, RuntimeMetricsPeriod: telemetry.RuntimeMetricsOff})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { g.Shutdown(context.Background()) })
}

// BenchmarkServer measures the cost of the middleware per request, in
// the calling goroutine: the handler is called directly (no network), as
// a server calls it, with an incoming traceparent.
func BenchmarkServer(b *testing.B) {
	for _, impl := range serverImpls {
		b.Run("impl="+impl, func(b *testing.B) {
			h := benchServer(b, impl)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req, w := benchRequest()
				for pb.Next() {
					h.ServeHTTP(w, req)
				}
			})
		})
	}
}

// serverImpls are the middlewares compared: none, ours, the
// OpenTelemetry contrib one.
var serverImpls = []string{"none", "micromegas", "otelhttp"}

// benchServer returns the application of the benchmarks wrapped in the
// middleware impl.
func benchServer(b *testing.B, impl string) http.Handler {
	var h http.Handler = benchMux()
	switch impl {
	case "micromegas":
		initBench(b)
		h = Middleware(h)
	case "otelhttp":
		sdk := telemetrytest.NewOpenTelemetrySDK(b)
		h = otelhttp.NewHandler(h, "server", otelhttp.WithTracerProvider(sdk.Tracer),
			otelhttp.WithMeterProvider(sdk.Meter), otelhttp.WithPropagators(sdk.Propagator))
	}
	return h
}

// benchRequest returns a request with an incoming traceparent and a
// writer that discards the response.
func benchRequest() (*http.Request, http.ResponseWriter) {
	req := httptest.NewRequest(http.MethodGet, "/users/42", nil)
	req.Header.Set(traceparent.Header, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	return req, &discardWriter{h: http.Header{}}
}

// BenchmarkClient measures the cost of the client transport per request,
// over a transport that answers at once (no network).
func BenchmarkClient(b *testing.B) {
	for _, impl := range []string{"none", "micromegas", "otelhttp"} {
		b.Run("impl="+impl, func(b *testing.B) {
			var rt http.RoundTripper = answer{}
			switch impl {
			case "micromegas":
				initBench(b)
				rt = NewTransport(rt)
			case "otelhttp":
				sdk := telemetrytest.NewOpenTelemetrySDK(b)
				rt = otelhttp.NewTransport(rt, otelhttp.WithTracerProvider(sdk.Tracer),
					otelhttp.WithMeterProvider(sdk.Meter), otelhttp.WithPropagators(sdk.Propagator))
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest(http.MethodGet, "http://api.example.com/users/42", nil)
				req.RequestURI = ""
				for pb.Next() {
					resp, err := rt.RoundTrip(req)
					if err != nil {
						b.Fatal(err)
					}
					resp.Body.Close()
				}
			})
		})
	}
}

// answer is a transport that answers 200 with no body.
type answer struct{}

var emptyBody = io.NopCloser(strings.NewReader(""))

func (answer) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: emptyBody, Request: r, Header: http.Header{}}, nil
}
