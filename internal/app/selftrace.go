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
// telemetry they cost a few atomic loads. Config.NoSelfTrace turns it off
// for embedders whose process telemetry records something else (tests
// that count what a fixture sent).

// traceHTTP wraps the handlers of an HTTP role: the request is recorded
// outside mw (authentication), so rejected requests show too.
func (c *Config) traceHTTP(mw func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	switch {
	case c.NoSelfTrace:
		return mw
	case mw == nil:
		return httptrace.Middleware
	}
	return func(h http.Handler) http.Handler { return httptrace.Middleware(mw(h)) }
}

// traceUnary and traceStream go first in the FlightSQL interceptors.
func (c *Config) traceUnary(more ...grpc.UnaryServerInterceptor) []grpc.UnaryServerInterceptor {
	if c.NoSelfTrace {
		return more
	}
	return append([]grpc.UnaryServerInterceptor{grpctrace.UnaryServerInterceptor()}, more...)
}

func (c *Config) traceStream(more ...grpc.StreamServerInterceptor) []grpc.StreamServerInterceptor {
	if c.NoSelfTrace {
		return more
	}
	return append([]grpc.StreamServerInterceptor{grpctrace.StreamServerInterceptor()}, more...)
}
