// Command httpservice is a small HTTP service that uses every Go-native
// feature of the telemetry package: the runtime metrics (on by default),
// the execution-trace flight recorder, the HTTP middleware and client
// transport (telemetry/httptrace) and W3C trace context. GET /work/{n}
// fans out n goroutines that call GET /item/{i} of the service itself;
// GET /fail logs an error, which makes the flight recorder send the last
// seconds of the execution trace.
//
//	go run ./cmd/micromegas serve &
//	MICROMEGAS_TELEMETRY_URL=http://127.0.0.1:9000 MICROMEGAS_ENABLE_CPU_TRACING=true \
//	  MICROMEGAS_FLIGHT_RECORDER=10s go run ./examples/httpservice &
//	curl 127.0.0.1:8080/work/8; curl 127.0.0.1:8080/fail
//	go run ./cmd/micromegas query "SELECT name, count(*) FROM view_instance('async_events', '<process_id>') GROUP BY name"
//	go run ./cmd/micromegas query "SELECT trace_id, count(*) FROM view_instance('async_events', '<process_id>') WHERE trace_id IS NOT NULL GROUP BY 1"
//	go run ./cmd/micromegas perfetto <process_id>   # goroutine tracks beside the request spans
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

	"github.com/micromegas-go/micromegas/telemetry"
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

	lis, err := net.Listen("tcp", envOr("HTTPSERVICE_ADDR", "127.0.0.1:8080"))
	if err != nil {
		return err
	}
	base := "http://" + lis.Addr().String()
	fmt.Printf("process_id=%s\naddr=%s\n", guard.ProcessID(), base)
	client := &http.Client{Transport: httptrace.NewTransport(nil), Timeout: 10 * time.Second}
	srv := &http.Server{Handler: httptrace.Middleware(routes(base, client)), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(lis); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func routes(base string, client *http.Client) *http.ServeMux {
	mux := http.NewServeMux()
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
	mux.HandleFunc("GET /work/{n}", func(w http.ResponseWriter, r *http.Request) {
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
