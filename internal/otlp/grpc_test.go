package otlp

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// TestGRPC exports the three signals to the OTLP/gRPC server through an
// interceptor that refuses calls without a token, as authentication
// will: refused calls store nothing, accepted ones are stored with
// partial success for the spans refused, and a catalog outage is
// Unavailable with a RetryInfo.
func TestGRPC(t *testing.T) {
	c, b := stores(t)
	fc := &failingCatalog{Store: c}
	var calls []string
	auth := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		calls = append(calls, info.FullMethod)
		if md, _ := metadata.FromIncomingContext(ctx); len(md.Get("authorization")) == 0 {
			return nil, status.Error(codes.Unauthenticated, "no token")
		}
		return h(ctx, req)
	}
	srv := NewGRPCServer(newReceiver(t, fc, b, 0), GRPCOptions{Addr: "127.0.0.1:0", UnaryInterceptors: []grpc.UnaryServerInterceptor{auth}})
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	if err := srv.Start(context.Background()); err == nil {
		t.Error("a second Start succeeded")
	}
	conn, err := grpc.NewClient(srv.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	authed := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer x")

	if _, err := plogotlp.NewGRPCClient(conn).Export(ctx, logsRequest(2, "grpc-denied")); status.Code(err) != codes.Unauthenticated {
		t.Errorf("logs without a token: %v, want Unauthenticated", err)
	}
	if bs := blocks(t, c, "grpc-denied", Logs); len(bs) != 0 {
		t.Errorf("a refused call stored %d blocks", len(bs))
	}
	if _, err := plogotlp.NewGRPCClient(conn).Export(authed, logsRequest(2, "grpc")); err != nil {
		t.Errorf("logs: %v", err)
	}
	if _, err := pmetricotlp.NewGRPCClient(conn).Export(authed, metricsRequest(3, "grpc")); err != nil {
		t.Errorf("metrics: %v", err)
	}
	req := tracesRequest(3, "grpc")
	req.Traces().ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(2).SetEndTimestamp(1)
	resp, err := ptraceotlp.NewGRPCClient(conn).Export(authed, req)
	if err != nil {
		t.Fatalf("traces: %v", err)
	}
	if ps := resp.PartialSuccess(); ps.RejectedSpans() != 1 || ps.ErrorMessage() == "" {
		t.Errorf("traces partial success = %d %q, want 1 refused span", ps.RejectedSpans(), ps.ErrorMessage())
	}
	for s, want := range map[Signal]int32{Logs: 2, Metrics: 3, Traces: 2} {
		if bs := blocks(t, c, "grpc", s); len(bs) != 1 || bs[0].NbObjects != want {
			t.Errorf("%s: blocks %+v, want one of %d records", s, bs, want)
		}
	}
	if len(calls) != 4 {
		t.Errorf("the interceptor saw %d calls (%v), want 4", len(calls), calls)
	}

	fc.fail = true
	_, err = ptraceotlp.NewGRPCClient(conn).Export(authed, tracesRequest(1, "grpc-outage"))
	st := status.Convert(err)
	var retry *errdetails.RetryInfo
	for _, d := range st.Details() {
		if r, ok := d.(*errdetails.RetryInfo); ok {
			retry = r
		}
	}
	if st.Code() != codes.Unavailable || retry == nil || retry.GetRetryDelay().AsDuration() != retryAfter {
		t.Errorf("during an outage: %v (retry %v), want Unavailable with a RetryInfo of %v", err, retry, retryAfter)
	}
}

func TestGRPCShutdownWithoutStart(t *testing.T) {
	c, b := stores(t)
	srv := NewGRPCServer(newReceiver(t, c, b, 0), GRPCOptions{Addr: "127.0.0.1:0"})
	for range 2 {
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}
	if srv.Addr() != nil {
		t.Error("an address before Start")
	}
}

// panickyCatalog panics on block inserts (a unit test of recovery).
type panickyCatalog struct{ catalog.Store }

func (panickyCatalog) InsertBlock(context.Context, catalog.Block) error { panic("boom") }

// TestGRPCPanic checks a panic while storing is an Internal error, and
// the server goes on serving.
func TestGRPCPanic(t *testing.T) {
	c, b := stores(t)
	srv := NewGRPCServer(newReceiver(t, panickyCatalog{c}, b, 0), GRPCOptions{Addr: "127.0.0.1:0"})
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	conn, err := grpc.NewClient(srv.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for range 2 {
		if _, err := plogotlp.NewGRPCClient(conn).Export(context.Background(), logsRequest(1, "panic")); status.Code(err) != codes.Internal {
			t.Errorf("export with a panicking catalog: %v, want Internal", err)
		}
	}
}
