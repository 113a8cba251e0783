package app

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/telemetry"
	"github.com/micromegas-go/micromegas/telemetry/httptrace"
	"github.com/micromegas-go/micromegas/telemetry/traceparent"
)

// TestTraceIDsOfRequests: a program instrumented with telemetry/httptrace
// sends its spans to a server; there, through FlightSQL,
// view_instance('async_events', process_id) gives each request's span the
// OpenTelemetry trace id it belongs to: the one of the incoming
// traceparent header, or a fresh one that the program's outgoing call
// carries; the span of the call and the downstream span are linked by
// their OpenTelemetry span ids; the end rows give each request's status
// and response size. The queries of docs/sql.md find a span by trace id,
// the trace id of a span and the status of a trace's requests.
func TestTraceIDsOfRequests(t *testing.T) {
	a := startApp(t)
	guard, err := telemetry.Init(telemetry.Config{URL: "http://" + a.IngestionAddr().String(), EnableCPUTracing: true,
		RuntimeMetricsPeriod: telemetry.RuntimeMetricsOff})
	if err != nil {
		t.Fatalf("telemetry init: %v", err)
	}
	pid := guard.ProcessID()

	received := map[string]traceparent.TraceContext{} // the traceparent of each downstream call, by front id
	back := http.NewServeMux()
	back.HandleFunc("GET /back/{id}", func(w http.ResponseWriter, r *http.Request) {
		tc, ok := traceparent.Parse(r.Header.Get(traceparent.Header))
		if !ok {
			t.Errorf("downstream call %s without a valid traceparent: %q", r.PathValue("id"), r.Header.Get(traceparent.Header))
		}
		received[r.PathValue("id")] = tc
		if r.PathValue("id") == "fresh" {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("busy"))
		}
	})
	backSrv := httptest.NewServer(httptrace.Middleware(back))
	defer backSrv.Close()
	client := &http.Client{Transport: httptrace.NewTransport(nil)}
	front := http.NewServeMux()
	front.HandleFunc("GET /front/{id}", func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, backSrv.URL+"/back/"+r.PathValue("id"), nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	})
	frontSrv := httptest.NewServer(httptrace.Middleware(front))
	defer frontSrv.Close()

	const incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	for _, id := range []string{"traced", "fresh"} {
		req, _ := http.NewRequest(http.MethodGet, frontSrv.URL+"/front/"+id, nil)
		if id == "traced" {
			req.Header.Set(traceparent.Header, incoming)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := guard.Shutdown(sctx); err != nil {
		t.Fatalf("telemetry shutdown: %v", err)
	}
	addr := a.FlightSQLAddr().String()

	// The begin rows of the requests' spans, in order: front, call, back,
	// for each request.
	backHost := strings.TrimPrefix(backSrv.URL, "http://")
	_, rows := queryRows(t, addr, `SELECT span_id, name, trace_id, otel_span_id, otel_parent_span_id
		FROM view_instance('async_events', '`+pid+`')
		WHERE event_type = 'begin' AND name IN ('GET /front/{id}', 'GET `+backHost+`', 'GET /back/{id}') ORDER BY time`)
	if len(rows) != 6 {
		t.Fatalf("%d span begins, want 6:\n%s", len(rows), joinRows(rows))
	}
	hexOf := func(b [8]byte) string { return hex.EncodeToString(b[:]) }
	fresh := received["fresh"]
	freshTrace := hex.EncodeToString(fresh.TraceID[:])
	if freshTrace == "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Fatal("the request without traceparent continued the other one's trace")
	}
	for i, c := range []struct {
		req                       string
		name, trace, self, parent string // self "*": any id
	}{
		{"traced", "GET /front/{id}", "4bf92f3577b34da6a3ce929d0e0e4736", "*", "00f067aa0ba902b7"},
		{"traced", "GET " + backHost, "4bf92f3577b34da6a3ce929d0e0e4736", hexOf(received["traced"].SpanID), rows[0][3]},
		{"traced", "GET /back/{id}", "4bf92f3577b34da6a3ce929d0e0e4736", "*", hexOf(received["traced"].SpanID)},
		{"fresh", "GET /front/{id}", freshTrace, "*", "(null)"},
		{"fresh", "GET " + backHost, freshTrace, hexOf(fresh.SpanID), rows[3][3]},
		{"fresh", "GET /back/{id}", freshTrace, "*", hexOf(fresh.SpanID)},
	} {
		r := rows[i]
		if r[1] != c.name || r[2] != c.trace || (c.self != "*" && r[3] != c.self) || len(r[3]) != 16 || r[4] != c.parent {
			t.Errorf("%s request, row %v: want name %s, trace %s, span %s, parent %s", c.req, r, c.name, c.trace, c.self, c.parent)
		}
	}

	// docs/sql.md: the span of a trace with its duration, and the trace
	// of a span.
	_, found := queryRows(t, addr, `WITH ev AS (SELECT * FROM view_instance('async_events', '`+pid+`'))
		SELECT b.span_id, b.name, e.time - b.time AS duration
		FROM ev b JOIN ev e ON e.span_id = b.span_id AND e.event_type = 'end'
		WHERE b.trace_id = '`+freshTrace+`' ORDER BY b.time`)
	if len(found) != 3 || found[0][0] != rows[3][0] || found[0][1] != "GET /front/{id}" || found[0][2] == "(null)" {
		t.Errorf("spans of trace %s: %v", freshTrace, found)
	}
	_, trace := queryRows(t, addr, `SELECT trace_id FROM view_instance('async_events', '`+pid+`')
		WHERE span_id = `+rows[0][0]+` AND event_type = 'begin'`)
	if joinRows(trace) != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("trace of span %s: %v", rows[0][0], trace)
	}

	// docs/sql.md: the status and response size of the requests of a
	// trace, from the end rows. The downstream service answered 503
	// "busy" to the fresh request, the front service 200 with no body.
	_, statuses := queryRows(t, addr, `WITH ev AS (SELECT * FROM view_instance('async_events', '`+pid+`'))
		SELECT b.name, e.status, e.request_bytes, e.response_bytes
		FROM ev b JOIN ev e ON e.span_id = b.span_id AND e.event_type = 'end'
		WHERE b.event_type = 'begin' AND b.trace_id = '`+freshTrace+`' ORDER BY b.time`)
	want := "GET /front/{id}:200:0:0 GET " + backHost + ":503:0:4 GET /back/{id}:503:0:4"
	if got := joinRows(statuses); got != want {
		t.Errorf("statuses of trace %s: %s, want %s", freshTrace, got, want)
	}
	_, failed := queryRows(t, addr, `SELECT name FROM view_instance('async_events', '`+pid+`')
		WHERE event_type = 'end' AND target = '`+httptrace.ServerTarget+`' AND status >= 500`)
	if got := joinRows(failed); got != "GET /back/{id}" {
		t.Errorf("server requests that failed: %q, want the fresh request's downstream one", got)
	}
}
