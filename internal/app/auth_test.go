package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	flightpb "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/micromegas-go/micromegas/client"
)

// Keys of MICROMEGAS_API_KEYS in the tests.
const (
	ingestKey = "test-ingest-key-0123456789"
	queryKey  = "test-query-key-0123456789"
	adminKey  = "test-admin-key-0123456789"
	testKeys  = `[{"name": "ingestor", "key": "` + ingestKey + `", "scope": "ingest"},
		{"name": "grafana", "key": "` + queryKey + `", "scope": "query"},
		{"name": "ops", "key": "` + adminKey + `", "scope": "admin"}]`
)

// logBuffer collects a server's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startAuthApp runs a server with authentication on free ports.
func startAuthApp(t *testing.T, ac AuthConfig) (*App, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	cfg := Config{DataDir: t.TempDir(), IngestionAddr: "127.0.0.1:0", FlightSQLAddr: "127.0.0.1:0", OTLPGRPCAddr: "127.0.0.1:0", WebAddr: "127.0.0.1:0",
		Auth: ac, Logger: slog.New(slog.NewTextHandler(logs, nil))}
	return startWith(t, cfg), logs
}

func startWith(t *testing.T, cfg Config) *App {
	t.Helper()
	a, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return a
}

// httpCall sends a request with an optional bearer token and returns the
// status and body.
func httpCall(t *testing.T, method, url, token string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestUnauthenticatedGetsOnly401 starts a server with authentication and
// sends every route of its HTTP roles and every RPC of its FlightSQL
// service (from the service descriptor, so new RPCs are covered) without
// credentials and with a wrong key: each gets 401 / Unauthenticated and
// nothing else. /health, /ready and the gRPC health service stay open, and
// so do the web UI's static files (the page that signs people in; they
// hold no data).
func TestUnauthenticatedGetsOnly401(t *testing.T) {
	a, _ := startAuthApp(t, AuthConfig{APIKeys: testKeys})
	ingestion := "http://" + a.IngestionAddr().String()
	webURL := "http://" + a.WebAddr().String()
	routes := []struct{ method, url string }{
		{"POST", ingestion + "/ingestion/insert_process"},
		{"POST", ingestion + "/ingestion/insert_stream"},
		{"POST", ingestion + "/ingestion/insert_block"},
		{"GET", ingestion + "/ingestion/insert_block"},
		{"POST", ingestion + "/v1/logs"}, // a route added later (OTLP)
		{"GET", ingestion + "/"},
		{"POST", webURL + "/api/query"},
		{"POST", webURL + "/gateway/query"},
		{"GET", webURL + "/gateway/health"},
		{"GET", webURL + "/api/perfetto/0a1b2c3d-0000-4000-8000-000000000000"},
		{"GET", webURL + "/api/notebooks"}, // a route added later (web UI)
		{"GET", webURL + "/api/no-such-route"},
		{"GET", webURL + "/gateway/no-such-route"},
	}
	for _, token := range []string{"", "wrong-key-0123456789abcdef"} {
		for _, r := range routes {
			code, body := httpCall(t, r.method, r.url, token, []byte(`{"sql": "SELECT 1"}`))
			if code != http.StatusUnauthorized || strings.Count(strings.TrimSpace(body), "\n") != 0 {
				t.Errorf("%s %s (token %q): %d %q, want 401 and a one-line reason", r.method, r.url, token, code, body)
			}
		}
	}
	for _, open := range []string{ingestion + "/health", ingestion + "/ready", webURL + "/health", webURL + "/", webURL + "/processes"} {
		if code, body := httpCall(t, "GET", open, "", nil); code != http.StatusOK {
			t.Errorf("GET %s: %d %q, want 200 without credentials", open, code, body)
		}
	}

	conn, err := grpc.NewClient(a.FlightSQLAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	desc := flightpb.FlightService_ServiceDesc
	for _, token := range []string{"", "wrong-key-0123456789abcdef"} {
		cctx := ctx
		if token != "" {
			cctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
		}
		for _, m := range desc.Methods {
			err := conn.Invoke(cctx, "/"+desc.ServiceName+"/"+m.MethodName, &emptypb.Empty{}, &emptypb.Empty{})
			if status.Code(err) != codes.Unauthenticated {
				t.Errorf("%s (token %q): %v, want Unauthenticated", m.MethodName, token, err)
			}
		}
		for _, s := range desc.Streams {
			st, err := conn.NewStream(cctx, &grpc.StreamDesc{StreamName: s.StreamName, ServerStreams: s.ServerStreams, ClientStreams: s.ClientStreams},
				"/"+desc.ServiceName+"/"+s.StreamName)
			if err == nil {
				st.SendMsg(&emptypb.Empty{})
				st.CloseSend()
				err = st.RecvMsg(&emptypb.Empty{})
			}
			if status.Code(err) != codes.Unauthenticated {
				t.Errorf("%s (token %q): %v, want Unauthenticated", s.StreamName, token, err)
			}
		}
	}
	if len(desc.Methods)+len(desc.Streams) < 10 {
		t.Fatalf("the Flight service lists %d RPCs, want the 10 of Flight", len(desc.Methods)+len(desc.Streams))
	}
	hc, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || hc.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("gRPC health without credentials: %v, %v; want SERVING", hc, err)
	}
	// The Go client says Unauthenticated too.
	cl, err := client.Dial(ctx, "grpc://"+a.FlightSQLAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := cl.Query(ctx, "SELECT 1", client.TimeRange{}); status.Code(err) != codes.Unauthenticated || !strings.Contains(err.Error(), "no credentials") {
		t.Errorf("client without a token: %v", err)
	}
}
