// Package grpctrace records gRPC calls with telemetry: server and client
// interceptors, unary and stream, that record an async span per call
// (named after the full method, "/pkg.Service/Method") and its duration as
// the metric rpc_server_duration or rpc_client_duration (seconds, with the
// properties method and code), and carry the W3C traceparent in the
// call's metadata, recording the call's trace id and span ids with its
// span, as telemetry/httptrace does for HTTP. Each span also records the
// call's status code (codes.Code as a number: 0 is OK) and the sizes of
// its request and response messages in their protobuf encoding (summed
// over the messages of a server stream; -1 when unknown: a client stream
// ends its span when the stream is established), the columns status,
// request_bytes and response_bytes of the span's end row in
// async_events.
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
	"google.golang.org/protobuf/proto"

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
		call.end(serverDuration, err, messageSize(req), responseSize(resp, err))
		return resp, err
	}
}

// StreamServerInterceptor records streams, from their start to the
// handler's return.
func StreamServerInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, ids := incoming(ss.Context())
		ctx, call := serverNames.begin(ctx, info.FullMethod, ids)
		st := &serverStream{ServerStream: ss, ctx: ctx}
		err := handler(srv, st)
		call.end(serverDuration, err, st.received, st.sent)
		return err
	}
}

// UnaryClientInterceptor records the calls a client makes.
func UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		ctx, ids := outgoing(ctx)
		ctx, call := clientNames.begin(ctx, method, ids)
		err := invoker(ctx, method, req, reply, cc, opts...)
		call.end(clientDuration, err, messageSize(req), responseSize(reply, err))
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
		call.end(clientDuration, err, -1, -1)
		return cs, err
	}
}

// serverStream gives the handler the context that carries the span, and
// counts the bytes of the messages it receives and sends.
type serverStream struct {
	grpc.ServerStream
	ctx            context.Context
	received, sent int64
}

func (s *serverStream) Context() context.Context { return s.ctx }

// SendMsg sends m and counts its size.
func (s *serverStream) SendMsg(m any) error {
	err := s.ServerStream.SendMsg(m)
	if err == nil {
		s.sent = addSize(s.sent, m)
	}
	return err
}

// RecvMsg receives m and counts its size.
func (s *serverStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err == nil {
		s.received = addSize(s.received, m)
	}
	return err
}

// messageSize is the size of m's protobuf encoding, -1 when m is not a
// protobuf message.
func messageSize(m any) int64 {
	if pm, ok := m.(proto.Message); ok {
		return int64(proto.Size(pm))
	}
	return -1
}

// responseSize is the size of a call's response: 0 when the call failed
// (no response message).
func responseSize(m any, err error) int64 {
	if err != nil {
		return 0
	}
	return messageSize(m)
}

// addSize adds the size of m to total; an unknown size makes it unknown.
func addSize(total int64, m any) int64 {
	n := messageSize(m)
	if n < 0 || total < 0 {
		return -1
	}
	return total + n
}

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

// end ends the call's span with its status and the sizes of its request
// and response (-1: unknown), and records its duration.
func (c call) end(m *telemetry.Metric, err error, reqBytes, respBytes int64) {
	code := status.Code(err)
	c.span.EndStatus(telemetry.SpanStatus{Code: int64(code), RequestBytes: reqBytes, ResponseBytes: respBytes})
	m.RecordFloatWith(c.names.props(c.method, code), time.Since(c.start).Seconds())
}
