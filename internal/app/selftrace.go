package app

import (
	"net/http"

	"google.golang.org/grpc"

	"github.com/micromegas-go/micromegas/telemetry/grpctrace"
	"github.com/micromegas-go/micromegas/telemetry/httptrace"
)

// The server records its own requests with the telemetry it sends to
// MICROMEGAS_TELEMETRY_URL (dogfooding): a span and a duration per HTTP
// request of the ingestion and web roles and per FlightSQL call. Without
// telemetry they cost a few atomic loads.

// traceHTTP wraps the handlers of an HTTP role: the request is recorded
// outside mw (authentication), so rejected requests show too.
func traceHTTP(mw func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	if mw == nil {
		return httptrace.Middleware
	}
	return func(h http.Handler) http.Handler { return httptrace.Middleware(mw(h)) }
}

// traceUnary and traceStream go first in the FlightSQL interceptors.
func traceUnary(more ...grpc.UnaryServerInterceptor) []grpc.UnaryServerInterceptor {
	return append([]grpc.UnaryServerInterceptor{grpctrace.UnaryServerInterceptor()}, more...)
}

func traceStream(more ...grpc.StreamServerInterceptor) []grpc.StreamServerInterceptor {
	return append([]grpc.StreamServerInterceptor{grpctrace.StreamServerInterceptor()}, more...)
}
