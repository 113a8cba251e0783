// Package grpctrace records gRPC calls with telemetry: server and client
// interceptors, unary and stream, that record an async span per call
// (named after the full method, "/pkg.Service/Method") and its duration as
// the metric rpc_server_duration or rpc_client_duration (seconds, with the
// properties method and code), and carry the W3C traceparent in the
// call's metadata, recording the call's trace id and span ids with its
// span, as telemetry/httptrace does for HTTP.
//
//	srv := grpc.NewServer(
//		grpc.ChainUnaryInterceptor(grpctrace.UnaryServerInterceptor()),
//		grpc.ChainStreamInterceptor(grpctrace.StreamServerInterceptor()))
//	conn, err := grpc.NewClient(addr,
//		grpc.WithChainUnaryInterceptor(grpctrace.UnaryClientInterceptor()),
//		grpc.WithChainStreamInterceptor(grpctrace.StreamClientInterceptor()))
package grpctrace

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/micromegas-go/micromegas/telemetry"
	"github.com/micromegas-go/micromegas/telemetry/traceparent"
)

// Targets of the spans and metrics.
const (
	ServerTarget = "micromegas/grpc/server"
	ClientTarget = "micromegas/grpc/client"
)

var (
	serverDuration = telemetry.NewMetricTarget(ServerTarget, "rpc_server_duration", "seconds", "", 0)
	clientDuration = telemetry.NewMetricTarget(ClientTarget, "rpc_client_duration", "seconds", "", 0)
	serverNames    = newNames(ServerTarget)
	clientNames    = newNames(ClientTarget)
)

// UnaryServerInterceptor records unary calls.
func UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, ids := incoming(ctx)
		ctx, call := serverNames.begin(ctx, info.FullMethod, ids)
		resp, err := handler(ctx, req)
		call.end(serverDuration, err)
		return resp, err
	}
}

// StreamServerInterceptor records streams, from their start to the
// handler's return.
func StreamServerInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, ids := incoming(ss.Context())
		ctx, call := serverNames.begin(ctx, info.FullMethod, ids)
		err := handler(srv, &serverStream{ServerStream: ss, ctx: ctx})
		call.end(serverDuration, err)
		return err
	}
}

// UnaryClientInterceptor records the calls a client makes.
func UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		ctx, ids := outgoing(ctx)
		ctx, call := clientNames.begin(ctx, method, ids)
		err := invoker(ctx, method, req, reply, cc, opts...)
		call.end(clientDuration, err)
		return err
	}
}

// StreamClientInterceptor records the streams a client opens, from their
// start until the stream is established (grpc-go gives an interceptor no
// end of stream without wrapping every message).
func StreamClientInterceptor() grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		ctx, ids := outgoing(ctx)
		ctx, call := clientNames.begin(ctx, method, ids)
		cs, err := streamer(ctx, desc, cc, method, opts...)
		call.end(clientDuration, err)
		return cs, err
	}
}

// serverStream gives the handler the context that carries the span.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *serverStream) Context() context.Context { return s.ctx }

// incoming puts the trace of the call's traceparent metadata (or a new
// one) in ctx, with a new span id for the call, and returns the call's
// ids in the trace.
func incoming(ctx context.Context) (context.Context, telemetry.TraceIDs) {
	var in traceparent.TraceContext
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(traceparent.Header); len(v) > 0 {
			in, _ = traceparent.Parse(v[0])
		}
	}
	tc := in.Child() // in.SpanID is zero when the call carried no trace
	return traceparent.NewContext(ctx, tc), telemetry.TraceIDs{TraceID: tc.TraceID, SpanID: tc.SpanID, ParentSpanID: in.SpanID}
}

// outgoing adds a traceparent of ctx's trace (or a new one), with a new
// span id, to the call's metadata, and returns the call's ids in the
// trace.
func outgoing(ctx context.Context) (context.Context, telemetry.TraceIDs) {
	tc, _ := traceparent.FromContext(ctx)
	sent := tc.Child()
	ids := telemetry.TraceIDs{TraceID: sent.TraceID, SpanID: sent.SpanID, ParentSpanID: tc.SpanID}
	return metadata.AppendToOutgoingContext(ctx, traceparent.Header, sent.String()), ids
}

// call is a call in progress.
type call struct {
	names  *names
	method string
	span   telemetry.AsyncSpan
	start  time.Time
}

func (n *names) begin(ctx context.Context, method string, ids telemetry.TraceIDs) (context.Context, call) {
	c := call{names: n, method: method, start: time.Now()}
	c.span = n.span(method).BeginAsyncTraced(telemetry.AsyncSpanFromContext(ctx), ids)
	if c.span.ID() != 0 {
		ctx = telemetry.ContextWithAsyncSpan(ctx, c.span)
	}
	return ctx, c
}

func (c call) end(m *telemetry.Metric, err error) {
	c.span.End()
	m.RecordFloatWith(c.names.props(c.method, status.Code(err)), time.Since(c.start).Seconds())
}
