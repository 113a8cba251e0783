package flightsql

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	_ "github.com/apache/arrow-go/v18/arrow/flight/flightsql/driver"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a bytes.Buffer safe for concurrent use, for captured logs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type testServer struct {
	srv  *Server
	addr string
	logs *syncBuffer
}

// startServer runs a server for q on 127.0.0.1:0, shut down at test end.
func startServer(t *testing.T, q Querier, mods ...func(*Options)) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	opts := Options{
		Addr:    "127.0.0.1:0",
		Querier: q,
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, m := range mods {
		m(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return &testServer{srv: srv, addr: srv.Addr().String(), logs: logs}
}

// newClient returns an arrow-go Flight SQL client of addr.
func newClient(t *testing.T, addr string) *flightsql.Client {
	t.Helper()
	cl, err := flightsql.NewClient(addr, nil, nil,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(DefaultMaxMessageSize)))
	if err != nil {
		t.Fatalf("flightsql.NewClient: %v", err)
	}
	t.Cleanup(func() { _ = cl.Close() })
	return cl
}

// openDB opens addr with arrow-go's database/sql driver; params become
// gRPC headers.
func openDB(t *testing.T, addr string, params url.Values) *sql.DB {
	t.Helper()
	dsn := "flightsql://" + addr
	if len(params) > 0 {
		dsn += "?" + params.Encode()
	}
	db, err := sql.Open("flightsql", dsn)
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// fetch runs query with the Flight SQL client: GetFlightInfo then DoGet on
// every endpoint. The records are retained and released at test end.
func fetch(ctx context.Context, t *testing.T, cl *flightsql.Client, query string) (*flight.FlightInfo, *arrow.Schema, []arrow.RecordBatch, error) {
	t.Helper()
	info, err := cl.Execute(ctx, query)
	if err != nil {
		return nil, nil, nil, err
	}
	schema, recs, err := readEndpoints(ctx, t, cl, info)
	return info, schema, recs, err
}

func readEndpoints(ctx context.Context, t *testing.T, cl *flightsql.Client, info *flight.FlightInfo) (*arrow.Schema, []arrow.RecordBatch, error) {
	t.Helper()
	var (
		schema *arrow.Schema
		recs   []arrow.RecordBatch
	)
	for _, ep := range info.Endpoint {
		rdr, err := cl.DoGet(ctx, ep.Ticket)
		if err != nil {
			return nil, nil, err
		}
		schema = rdr.Schema()
		for rdr.Next() {
			rec := rdr.RecordBatch()
			rec.Retain()
			t.Cleanup(rec.Release)
			recs = append(recs, rec)
		}
		err = rdr.Err()
		rdr.Release()
		if err != nil {
			return nil, nil, err
		}
	}
	return schema, recs, nil
}

func totalRows(recs []arrow.RecordBatch) int64 {
	var n int64
	for _, r := range recs {
		n += r.NumRows()
	}
	return n
}

// wantCode fails unless err is a gRPC status with code and a message
// containing each of parts.
func wantCode(t *testing.T, err error, code codes.Code, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	st, ok := status.FromError(err)
	if !ok || st.Code() != code {
		t.Fatalf("got error %v, want code %s", err, code)
	}
	for _, p := range parts {
		if !strings.Contains(st.Message(), p) {
			t.Errorf("error message %q does not contain %q", st.Message(), p)
		}
	}
}

func TestNewRequiresQuerier(t *testing.T) {
	if _, err := New(Options{}); err == nil || !strings.Contains(err.Error(), "Querier") {
		t.Fatalf("New without Querier: got %v, want an error naming Querier", err)
	}
}

func TestShutdownLifecycle(t *testing.T) {
	srv, err := New(Options{Addr: "127.0.0.1:0", Querier: newFakeQuerier(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if srv.Addr() != nil {
		t.Errorf("Addr before Start = %v, want nil", srv.Addr())
	}
	// Shutdown without Start, twice, then Start must fail.
	for range 2 {
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Fatalf("Shutdown without Start: %v", err)
		}
	}
	if err := srv.Start(context.Background()); err == nil {
		t.Fatal("Start after Shutdown succeeded")
	}

	srv2, err := New(Options{Addr: "127.0.0.1:0", Querier: newFakeQuerier(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := srv2.Start(context.Background()); err == nil {
		t.Error("second Start succeeded")
	}
	for range 2 {
		if err := srv2.Shutdown(context.Background()); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	}
}

func TestShutdownForcedCancelsRunningQuery(t *testing.T) {
	q := newFakeQuerier()
	logs := &syncBuffer{}
	srv, err := New(Options{Addr: "127.0.0.1:0", Querier: q, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	cl, err := flightsql.NewClient(srv.Addr().String(), nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	info, err := cl.Execute(ctx, sqlInfinite)
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if !rdr.Next() {
		t.Fatalf("no first batch: %v", rdr.Err())
	}
	sctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(sctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with a running infinite query: got %v, want DeadlineExceeded", err)
	}
	for rdr.Next() {
	}
	if rdr.Err() == nil {
		t.Error("stream ended without error after forced shutdown")
	}
	if got, want := q.released.Load(), q.opened.Load(); got != want {
		t.Errorf("readers released = %d, want %d", got, want)
	}
}

func TestHealthBypassesAuthInterceptors(t *testing.T) {
	const token = "Bearer s3cret"
	deny := func(ctx context.Context) error {
		md, _ := metadata.FromIncomingContext(ctx)
		if v := md.Get("authorization"); len(v) == 1 && v[0] == token {
			return nil
		}
		return status.Error(codes.Unauthenticated, "invalid token")
	}
	ts := startServer(t, newFakeQuerier(), func(o *Options) {
		o.UnaryInterceptors = []grpc.UnaryServerInterceptor{func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			if err := deny(ctx); err != nil {
				return nil, err
			}
			return h(ctx, req)
		}}
		o.StreamInterceptors = []grpc.StreamServerInterceptor{func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			if err := deny(ss.Context()); err != nil {
				return err
			}
			return h(srv, ss)
		}}
	})
	conn, err := grpc.NewClient(ts.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatalf("health check without token: %v", err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health status = %v, want SERVING", resp.GetStatus())
	}

	cl := newClient(t, ts.addr)
	_, _, _, err = fetch(ctx, t, cl, sqlBasic)
	wantCode(t, err, codes.Unauthenticated)

	authed := metadata.AppendToOutgoingContext(ctx, "authorization", token)
	if _, _, recs, err := fetch(authed, t, cl, sqlBasic); err != nil || totalRows(recs) != 3 {
		t.Fatalf("query with token: rows %d, err %v", totalRows(recs), err)
	}
	if strings.Contains(ts.logs.String(), "s3cret") {
		t.Error("the server log contains the bearer token")
	}
}
