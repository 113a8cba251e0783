package grpctrace

import (
	"cmp"
	"context"
	"encoding/hex"
	"net"
	"slices"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/proto"

	"github.com/micromegas-go/micromegas/internal/telemetrytest"
	"github.com/micromegas-go/micromegas/telemetry"
	"github.com/micromegas-go/micromegas/telemetry/traceparent"
)

// serve runs the gRPC health service with extra server options and
// returns a client connection with extra dial options.
func serve(t testing.TB, sopts []grpc.ServerOption, dopts []grpc.DialOption) (*grpc.Server, *grpc.ClientConn) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(sopts...)
	hs := health.NewServer()
	hs.SetServingStatus("db", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), append(dopts, grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return srv, conn
}

// TestInterceptors: unary and stream calls through the interceptors
// record a span and a duration per call on both sides, and the server
// sees the client's trace; the spans record their trace ids, and their
// status code and message sizes.
func TestInterceptors(t *testing.T) {
	col := telemetrytest.New(t)
	g, err := telemetry.Init(telemetry.Config{URL: col.URL(), EnableCPUTracing: true, RuntimeMetricsPeriod: telemetry.RuntimeMetricsOff})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Shutdown(context.Background())
	var seen []traceparent.TraceContext
	capture := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		tc, _ := traceparent.FromContext(ctx)
		seen = append(seen, tc)
		return h(ctx, req)
	}
	srv, conn := serve(t,
		[]grpc.ServerOption{grpc.ChainUnaryInterceptor(UnaryServerInterceptor(), capture), grpc.ChainStreamInterceptor(StreamServerInterceptor())},
		[]grpc.DialOption{grpc.WithChainUnaryInterceptor(UnaryClientInterceptor()), grpc.WithChainStreamInterceptor(StreamClientInterceptor())})
	client := healthpb.NewHealthClient(conn)

	trace := traceparent.New()
	ctx := traceparent.NewContext(context.Background(), trace)
	if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: "db"}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: "nope"}); err == nil {
		t.Fatal("check of an unknown service succeeded")
	}
	sctx, cancel := context.WithCancel(ctx)
	stream, err := client.Watch(sctx, &healthpb.HealthCheckRequest{Service: "db"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	cancel()
	conn.Close()
	srv.GracefulStop() // the Watch handler returns
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	if len(seen) != 2 || seen[0].TraceID != trace.TraceID || seen[0].SpanID == trace.SpanID {
		t.Errorf("server trace contexts %v, want trace %s", seen, trace.TraceIDString())
	}
	names := map[string]int{}
	spans := col.AsyncSpans()
	clientSpanIDs := map[string]bool{}
	for _, s := range spans {
		if s.End < s.Begin || s.End == 0 {
			t.Errorf("span %+v not ended", s)
		}
		names[s.Target+" "+s.Name]++
		if s.Target == ClientTarget {
			clientSpanIDs[s.OTelSpanID] = true
		}
	}
	// Every span records the caller's trace; client spans are children of
	// the context's span, server spans of a client span.
	for _, s := range spans {
		parentOK := s.OTelParentSpanID == hex.EncodeToString(trace.SpanID[:])
		if s.Target == ServerTarget {
			parentOK = clientSpanIDs[s.OTelParentSpanID]
		}
		if s.TraceID != trace.TraceIDString() || s.OTelSpanID == "" || !parentOK {
			t.Errorf("span %+v: want trace %s, a span id, the caller's span as parent", s, trace.TraceIDString())
		}
	}
	// Status and sizes: the health check request of "db" is 4 bytes, its
	// SERVING response 2; the failed call has no response; the client
	// stream's span ends when it is established (sizes unknown), the
	// server's counts what it received and sent.
	reqDB := int64(proto.Size(&healthpb.HealthCheckRequest{Service: "db"}))
	reqNope := int64(proto.Size(&healthpb.HealthCheckRequest{Service: "nope"}))
	serving := int64(proto.Size(&healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}))
	type result struct{ status, req, resp int64 }
	results := map[string][]result{}
	for _, s := range spans {
		if !s.HasStatus {
			t.Errorf("span %+v has no status", s)
		}
		results[s.Target+" "+s.Name] = append(results[s.Target+" "+s.Name], result{s.Status, s.RequestBytes, s.ResponseBytes})
	}
	for name, want := range map[string][]result{
		ServerTarget + " /grpc.health.v1.Health/Check": {{0, reqDB, serving}, {int64(codes.NotFound), reqNope, 0}},
		ClientTarget + " /grpc.health.v1.Health/Check": {{0, reqDB, serving}, {int64(codes.NotFound), reqNope, 0}},
		ServerTarget + " /grpc.health.v1.Health/Watch": {{int64(codes.Canceled), reqDB, serving}},
		ClientTarget + " /grpc.health.v1.Health/Watch": {{0, -1, -1}},
	} {
		got := results[name]
		slices.SortFunc(got, func(a, b result) int { return cmp.Compare(a.status, b.status) })
		if !slices.Equal(got, want) {
			t.Errorf("%s: status and sizes %v, want %v", name, got, want)
		}
	}
	for name, n := range map[string]int{
		ServerTarget + " /grpc.health.v1.Health/Check": 2,
		ClientTarget + " /grpc.health.v1.Health/Check": 2,
		ServerTarget + " /grpc.health.v1.Health/Watch": 1,
		ClientTarget + " /grpc.health.v1.Health/Watch": 1,
	} {
		if names[name] != n {
			t.Errorf("%d spans %q, want %d; spans %v", names[name], name, n, names)
		}
	}
	codes := map[string]int{}
	for _, m := range col.Measures() {
		if m.Unit == "seconds" && m.Properties["method"] == "/grpc.health.v1.Health/Check" {
			codes[m.Name+" "+m.Properties["code"]]++
		}
	}
	for _, k := range []string{"rpc_server_duration OK", "rpc_server_duration NotFound", "rpc_client_duration OK", "rpc_client_duration NotFound"} {
		if codes[k] != 1 {
			t.Errorf("%d measures %q; %v", codes[k], k, codes)
		}
	}
}
