package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/telemetrytest"
	"github.com/micromegas-go/micromegas/telemetry"
	"github.com/micromegas-go/micromegas/telemetry/httptrace"
)

// TestService: /fanout/{n} records the request, its n calls to /item/{i}
// nested under it and the handlers' spans, the requests and calls in one
// trace; /check/{service} records the request and the gRPC call (client
// and server spans) in one trace, with the call's code and the request's
// status; /fail sends a flight-recorder snapshot.
func TestService(t *testing.T) {
	col := telemetrytest.New(t)
	g, err := telemetry.Init(telemetry.Config{URL: col.URL(), EnableCPUTracing: true,
		FlightRecorder: &telemetry.FlightRecorder{Window: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Shutdown(context.Background())
	client := &http.Client{Transport: httptrace.NewTransport(nil)}
	checker, err := startHealth()
	if err != nil {
		t.Fatal(err)
	}
	defer checker.Close()
	var base string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httptrace.Middleware(routes(base, client, checker.client)).ServeHTTP(w, r)
	}))
	defer srv.Close()
	base = srv.URL
	for _, path := range []string{"/fanout/3", "/check/items", "/check/nope", "/fail"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for g.Stats().TraceSnapshots == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := g.Stats(); st.TraceSnapshots != 1 {
		t.Errorf("stats %+v: want one flight-recorder snapshot", st)
	}
	count := map[string]int{}
	traces := map[string]int{} // spans per trace id
	work := ""
	checks := map[string][]int64{} // statuses of the check spans, by trace id
	var checkTraces []string
	for _, s := range col.AsyncSpans() {
		count[s.Name]++
		traces[s.TraceID]++
		switch s.Name {
		case "GET /fanout/{n}":
			work = s.TraceID
		case "GET /check/{service}":
			checkTraces = append(checkTraces, s.TraceID)
		}
		if s.Name == "GET /check/{service}" || s.Name == "/grpc.health.v1.Health/Check" {
			checks[s.TraceID] = append(checks[s.TraceID], s.Status)
		}
	}
	// Each check is one trace: the HTTP request (200 or 404) and the gRPC
	// call's client and server spans (OK 0, NotFound 5).
	want := map[string]bool{"[0 0 200]": true, "[5 5 404]": true} // sorted
	for _, tr := range checkTraces {
		st := checks[tr]
		slices.Sort(st)
		if tr == "" || !want[fmt.Sprint(st)] {
			t.Errorf("check trace %q: statuses %v, want one of %v", tr, st, want)
		}
		delete(want, fmt.Sprint(st))
	}
	if len(want) != 0 {
		t.Errorf("checks not seen: %v (check spans %v)", want, checks)
	}
	// The request, its 3 calls and the 3 requests they make are one trace.
	if work == "" || traces[work] != 7 {
		t.Errorf("trace %q of /work has %d spans, want 7: %v", work, traces[work], traces)
	}
	host := strings.TrimPrefix(base, "http://")
	for name, n := range map[string]int{"GET /fanout/{n}": 1, "GET /item/{i}": 3, "GET " + host: 3, "compute_item": 3, "GET /fail": 1,
		"GET /check/{service}": 2, "/grpc.health.v1.Health/Check": 4} {
		if count[name] != n {
			t.Errorf("%d spans %q, want %d; spans %v", count[name], name, n, count)
		}
	}
}
