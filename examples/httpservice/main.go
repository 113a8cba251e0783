// Command httpservice is a small HTTP service that uses every Go-native
// feature of the telemetry package: the runtime metrics (on by default),
// the execution-trace flight recorder, the HTTP middleware and client
// transport (telemetry/httptrace), the gRPC interceptors
// (telemetry/grpctrace) and W3C trace context. GET /fanout/{n} fans out n
// goroutines that call GET /item/{i} of the service itself; GET
// /check/{service} asks the service's own gRPC health server (in the same
// process, on a loopback port) about service ("items" is serving, any
// other is not found: 404); GET /fail logs an error, which makes the
// flight recorder send the last seconds of the execution trace.
//
//	make build && bin/micromegas serve &
//	MICROMEGAS_TELEMETRY_URL=http://127.0.0.1:9000 MICROMEGAS_ENABLE_CPU_TRACING=true \
//	  MICROMEGAS_FLIGHT_RECORDER=10s go run ./examples/httpservice &
//	curl 127.0.0.1:8080/fanout/8; curl 127.0.0.1:8080/check/items; curl 127.0.0.1:8080/fail
//	bin/micromegas query "SELECT name, count(*) FROM view_instance('async_events', '<process_id>') GROUP BY name"
//	bin/micromegas query "SELECT trace_id, count(*) FROM view_instance('async_events', '<process_id>') WHERE trace_id IS NOT NULL GROUP BY 1"
//	bin/micromegas query "SELECT name, status, response_bytes FROM view_instance('async_events', '<process_id>') WHERE event_type = 'end' AND status IS NOT NULL"
//	bin/micromegas perfetto <process_id>   # goroutine tracks beside the request spans
//
// It prints its process id and address, and stops on Ctrl-C.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/micromegas-go/micromegas/telemetry"
	"github.com/micromegas-go/micromegas/telemetry/grpctrace"
	"github.com/micromegas-go/micromegas/telemetry/httptrace"
)

var (
	logFailed = telemetry.NewLogSite(telemetry.LevelError, "httpservice", "request failed: %s")
	spanItem  = telemetry.NewSpan("compute_item")
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "httpservice:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// Config fields left zero come from the environment; the flight
	// recorder is on with MICROMEGAS_FLIGHT_RECORDER, or here in code.
	guard, err := telemetry.Init(telemetry.Config{})
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		guard.Shutdown(sctx)
	}()
	defer telemetry.FlushOnPanic(5 * time.Second)

	checker, err := startHealth()
	if err != nil {
		return err
	}
	defer checker.Close()
	lis, err := net.Listen("tcp", envOr("HTTPSERVICE_ADDR", "127.0.0.1:8080"))
	if err != nil {
		return err
	}
	base := "http://" + lis.Addr().String()
	fmt.Printf("process_id=%s\naddr=%s\n", guard.ProcessID(), base)
	client := &http.Client{Transport: httptrace.NewTransport(nil), Timeout: 10 * time.Second}
	srv := &http.Server{Handler: httptrace.Middleware(routes(base, client, checker.client)), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(lis); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// healthService is the gRPC health server of the service, on a loopback
// port, and a client connection to it; both sides recorded by grpctrace.
type healthService struct {
	srv    *grpc.Server
	conn   *grpc.ClientConn
	client healthpb.HealthClient
}

// startHealth starts the gRPC health server, with "items" serving.
func startHealth() (*healthService, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the gRPC health server: %w", err)
	}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(grpctrace.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(grpctrace.StreamServerInterceptor()))
	hs := health.NewServer()
	hs.SetServingStatus("items", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	go srv.Serve(lis)
	conn, err := grpc.NewClient(lis.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(grpctrace.UnaryClientInterceptor()),
		grpc.WithChainStreamInterceptor(grpctrace.StreamClientInterceptor()))
	if err != nil {
		srv.Stop()
		return nil, fmt.Errorf("gRPC client of the health server: %w", err)
	}
	return &healthService{srv: srv, conn: conn, client: healthpb.NewHealthClient(conn)}, nil
}

// Close closes the connection and stops the server.
func (h *healthService) Close() {
	h.conn.Close()
	h.srv.Stop()
}

func routes(base string, client *http.Client, checker healthpb.HealthClient) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /check/{service}", func(w http.ResponseWriter, r *http.Request) {
		// The request's context carries its span and trace to the call.
		resp, err := checker.Check(r.Context(), &healthpb.HealthCheckRequest{Service: r.PathValue("service")})
		switch {
		case status.Code(err) == codes.NotFound:
			http.Error(w, "unknown service", http.StatusNotFound)
		case err != nil:
			http.Error(w, err.Error(), http.StatusBadGateway)
		default:
			fmt.Fprintln(w, resp.GetStatus())
		}
	})
	mux.HandleFunc("GET /item/{i}", func(w http.ResponseWriter, r *http.Request) {
		_, span := telemetry.StartAsyncSpan(r.Context(), spanItem)
		defer span.End()
		i, _ := strconv.Atoi(r.PathValue("i"))
		sum := 0
		for k := range 100000 * (i%4 + 1) {
			sum += k % 7
		}
		fmt.Fprintln(w, sum)
	})
	mux.HandleFunc("GET /fanout/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || n < 1 || n > 64 {
			http.Error(w, "n must be a number from 1 to 64", http.StatusBadRequest)
			return
		}
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				// The request's context carries its span and trace: the
				// calls nest under it and pass the trace on.
				req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, base+"/item/"+strconv.Itoa(i), nil)
				if resp, err := client.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
		wg.Wait()
		fmt.Fprintf(w, "%d items\n", n)
	})
	mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) {
		logFailed.Logf(r.URL.Path) // an error: the flight recorder sends a snapshot
		http.Error(w, "failed on purpose", http.StatusInternalServerError)
	})
	return mux
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
