package httptrace

import (
	"cmp"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/micromegas-go/micromegas/internal/telemetrytest"
	"github.com/micromegas-go/micromegas/telemetry"
	"github.com/micromegas-go/micromegas/telemetry/traceparent"
)

var spanLoad = telemetry.NewSpan("load_user")

func startTelemetry(t *testing.T) (*telemetrytest.Collector, *telemetry.Guard) {
	t.Helper()
	col := telemetrytest.New(t)
	g, err := telemetry.Init(telemetry.Config{URL: col.URL(), EnableCPUTracing: true, RuntimeMetricsPeriod: telemetry.RuntimeMetricsOff})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Shutdown(context.Background()) })
	return col, g
}

// TestServerAndClient: a request through Middleware, whose handler calls
// another service through Transport, records the server span named by
// the route pattern, a child span, the client span under it, their
// metrics, and carries the trace id of the incoming traceparent to the
// downstream request; the server and client spans record their trace
// ids, their status and the sizes of request and response.
func TestServerAndClient(t *testing.T) {
	col, g := startTelemetry(t)
	var downstreamTP string
	downstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		downstreamTP = r.Header.Get(traceparent.Header)
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "accepted!")
	}))
	defer downstream.Close()
	client := &http.Client{Transport: NewTransport(nil)}

	var seen traceparent.TraceContext
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		seen, _ = traceparent.FromContext(r.Context())
		ctx, span := telemetry.StartAsyncSpan(r.Context(), spanLoad)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, downstream.URL+"/x", strings.NewReader("payload"))
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
		} else {
			resp.Body.Close()
		}
		span.End()
		io.WriteString(w, "hello "+r.PathValue("id"))
	})
	srv := httptest.NewServer(Middleware(mux))
	defer srv.Close()

	const incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/users/42", nil)
	req.Header.Set(traceparent.Header, incoming)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Get(srv.URL + "/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := g.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}

	if seen.TraceIDString() != "4bf92f3577b34da6a3ce929d0e0e4736" || seen.SpanID == [8]byte{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7} {
		t.Errorf("handler's trace context %s: want the incoming trace with a span of its own", seen)
	}
	down, ok := traceparent.Parse(downstreamTP)
	if !ok || down.TraceID != seen.TraceID || down.SpanID == seen.SpanID {
		t.Errorf("downstream traceparent %q: want trace %s with a new span id", downstreamTP, seen.TraceIDString())
	}

	spans := map[string]telemetrytest.Span{}
	for _, s := range col.AsyncSpans() {
		spans[s.Name] = s
	}
	srvSpan, load, cli := spans["GET /users/{id}"], spans["load_user"], spans["POST "+strings.TrimPrefix(downstream.URL, "http://")]
	if srvSpan.ID == 0 || srvSpan.Target != ServerTarget || srvSpan.End <= srvSpan.Begin {
		t.Fatalf("server span %+v; spans %v", srvSpan, spans)
	}
	if load.Parent != srvSpan.ID || load.Depth != 1 {
		t.Errorf("handler span %+v, want a child of %d", load, srvSpan.ID)
	}
	if cli.Parent != load.ID || cli.Depth != 2 || cli.Target != ClientTarget {
		t.Errorf("client span %+v, want a child of %d", cli, load.ID)
	}
	if nf := spans["GET"]; nf.ID == 0 {
		t.Errorf("no span GET for the unmatched request: %v", spans)
	} else if nf.TraceID == "" || nf.TraceID == "4bf92f3577b34da6a3ce929d0e0e4736" || nf.OTelParentSpanID != "" {
		t.Errorf("the request without traceparent: span %+v, want a new trace of its own, no parent", nf)
	}
	for _, c := range []struct {
		name                string
		span                telemetrytest.Span
		trace, self, parent string
	}{
		{"server", srvSpan, "4bf92f3577b34da6a3ce929d0e0e4736", hex.EncodeToString(seen.SpanID[:]), "00f067aa0ba902b7"},
		{"client", cli, "4bf92f3577b34da6a3ce929d0e0e4736", hex.EncodeToString(down.SpanID[:]), hex.EncodeToString(seen.SpanID[:])},
		{"handler", load, "", "", ""},
	} {
		if c.span.TraceID != c.trace || c.span.OTelSpanID != c.self || c.span.OTelParentSpanID != c.parent {
			t.Errorf("%s span trace %q, span %q, parent %q; want %q, %q, %q", c.name,
				c.span.TraceID, c.span.OTelSpanID, c.span.OTelParentSpanID, c.trace, c.self, c.parent)
		}
	}
	for _, c := range []struct {
		name      string
		span      telemetrytest.Span
		has       bool
		status    int64
		req, resp int64
	}{
		{"server", srvSpan, true, 200, 0, int64(len("hello 42"))},
		{"not found", spans["GET"], true, 404, 0, int64(len("404 page not found\n"))},
		{"client", cli, true, 202, int64(len("payload")), int64(len("accepted!"))},
		{"handler", load, false, 0, 0, 0},
	} {
		s := c.span
		if s.HasStatus != c.has || s.Status != c.status || s.RequestBytes != c.req || s.ResponseBytes != c.resp {
			t.Errorf("%s span: status %v %d, request %d bytes, response %d bytes; want %v %d, %d, %d", c.name,
				s.HasStatus, s.Status, s.RequestBytes, s.ResponseBytes, c.has, c.status, c.req, c.resp)
		}
	}
	if srvSpan.Begin > load.Begin || srvSpan.End < load.End {
		t.Errorf("the server span [%d, %d] does not hold its child [%d, %d]", srvSpan.Begin, srvSpan.End, load.Begin, load.End)
	}

	type key struct{ name, route, status string }
	got := map[key]float64{}
	for _, m := range col.Measures() {
		route := m.Properties["route"] + m.Properties["host"]
		got[key{m.Name, route, m.Properties["status"]}] = m.Value
		if want := map[string]string{ServerTarget: "GET", ClientTarget: "POST"}[m.Target]; m.Properties["method"] != want {
			t.Errorf("measure %+v: method", m)
		}
	}
	if d := got[key{"http_server_request_duration", "/users/{id}", "200"}]; d <= 0 || d > 10 {
		t.Errorf("request duration %g s; measures %v", d, got)
	}
	if n := got[key{"http_server_response_size", "/users/{id}", "200"}]; n != float64(len("hello 42")) {
		t.Errorf("response size %g, want %d", n, len("hello 42"))
	}
	if _, ok := got[key{"http_server_request_duration", "", "404"}]; !ok {
		t.Errorf("no duration of the 404: %v", got)
	}
	if _, ok := got[key{"http_client_request_duration", strings.TrimPrefix(downstream.URL, "http://"), "202"}]; !ok {
		t.Errorf("no client duration: %v", got)
	}
	if n := got[key{"http_client_response_size", strings.TrimPrefix(downstream.URL, "http://"), "202"}]; n != float64(len("accepted!")) {
		t.Errorf("client response size %g, want %d; measures %v", n, len("accepted!"), got)
	}
}

// TestFreshTrace: a request without traceparent gets a new trace id, on
// its span and in the traceparent of the calls its handler makes, whose
// client span records it with the server span as parent; the downstream
// server's span is the child of that client span.
func TestFreshTrace(t *testing.T) {
	col, g := startTelemetry(t)
	var downstreamTP string
	downstream := httptest.NewServer(Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		downstreamTP = r.Header.Get(traceparent.Header)
	})))
	defer downstream.Close()
	client := &http.Client{Transport: NewTransport(nil)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /front", func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, downstream.URL+"/back", nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	})
	srv := httptest.NewServer(Middleware(mux))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/front")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := g.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}

	var front, call, back telemetrytest.Span
	for _, s := range col.AsyncSpans() {
		switch {
		case s.Name == "GET /front":
			front = s
		case s.Target == ClientTarget:
			call = s
		case s.Target == ServerTarget && s.Name == "GET":
			back = s
		}
	}
	sent, ok := traceparent.Parse(downstreamTP)
	if !ok {
		t.Fatalf("the downstream request carried traceparent %q", downstreamTP)
	}
	trace := hex.EncodeToString(sent.TraceID[:])
	if front.TraceID != trace || front.OTelParentSpanID != "" || front.OTelSpanID == "" {
		t.Errorf("front span %+v: want trace %s (the one sent on), a span id, no parent", front, trace)
	}
	if call.TraceID != trace || call.OTelSpanID != hex.EncodeToString(sent.SpanID[:]) || call.OTelParentSpanID != front.OTelSpanID {
		t.Errorf("client span %+v: want trace %s, span %x, parent %s", call, trace, sent.SpanID, front.OTelSpanID)
	}
	if back.TraceID != trace || back.OTelParentSpanID != call.OTelSpanID || back.OTelSpanID == call.OTelSpanID {
		t.Errorf("downstream span %+v: want trace %s, parent %s", back, trace, call.OTelSpanID)
	}
}

// TestUnknownSizes: sizes that no header gives are -1 on the spans (a
// chunked request body to the server, a streamed response to the
// client), the client records no response-size measure then, and a
// request that got no response has status 0.
func TestUnknownSizes(t *testing.T) {
	col, g := startTelemetry(t)
	srv := httptest.NewServer(Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "part one")
		w.(http.Flusher).Flush() // no Content-Length: chunked
		io.WriteString(w, ", part two")
	})))
	defer srv.Close()
	client := &http.Client{Transport: NewTransport(nil)}
	// A body of unknown length: sent chunked.
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/up", io.MultiReader(strings.NewReader("chunked body")))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	if _, err := client.Get(closed.URL); err == nil {
		t.Fatal("a request to a closed server succeeded")
	}
	if err := g.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	byTarget := map[string][]telemetrytest.Span{}
	for _, s := range col.AsyncSpans() {
		byTarget[s.Target] = append(byTarget[s.Target], s)
	}
	slices.SortFunc(byTarget[ClientTarget], func(a, b telemetrytest.Span) int { return cmp.Compare(a.Begin, b.Begin) })
	if len(byTarget[ServerTarget]) != 1 || len(byTarget[ClientTarget]) != 2 {
		t.Fatalf("spans %v, want one server span and two client spans", byTarget)
	}
	for _, c := range []struct {
		name              string
		span              telemetrytest.Span
		status, req, resp int64
	}{
		{"server", byTarget[ServerTarget][0], 200, -1, int64(len("part one, part two"))},
		{"client", byTarget[ClientTarget][0], 200, -1, -1},
		{"client without response", byTarget[ClientTarget][1], 0, 0, -1},
	} {
		s := c.span
		if !s.HasStatus || s.Status != c.status || s.RequestBytes != c.req || s.ResponseBytes != c.resp {
			t.Errorf("%s span: status %v %d, request %d bytes, response %d bytes; want %d, %d, %d", c.name,
				s.HasStatus, s.Status, s.RequestBytes, s.ResponseBytes, c.status, c.req, c.resp)
		}
	}
	for _, m := range col.Measures() {
		if m.Name == "http_client_response_size" {
			t.Errorf("a client response size was recorded for a response of unknown size: %+v", m)
		}
	}
}

// TestClientCallerTraceparent: a traceparent the caller set is sent as
// is, and the client span records its ids, with the context's span as
// parent when the context is in the same trace.
func TestClientCallerTraceparent(t *testing.T) {
	col, g := startTelemetry(t)
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get(traceparent.Header))
	}))
	defer srv.Close()
	client := &http.Client{Transport: NewTransport(nil)}
	const set = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	inTrace, _ := traceparent.Parse("00-0af7651916cd43dd8448eb211c80319c-1111111111111111-01")
	otherTrace := traceparent.New()
	cases := []struct {
		name   string
		ctx    context.Context
		parent string
	}{
		{"no trace in the context", context.Background(), ""},
		{"the context in that trace", traceparent.NewContext(context.Background(), inTrace), "1111111111111111"},
		{"the context in another trace", traceparent.NewContext(context.Background(), otherTrace), ""},
	}
	for _, c := range cases {
		req, _ := http.NewRequestWithContext(c.ctx, http.MethodGet, srv.URL, nil)
		req.Header.Set(traceparent.Header, set)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if err := g.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := col.AsyncSpans() // by stream, and the goroutine may change Ps
	slices.SortFunc(spans, func(a, b telemetrytest.Span) int { return cmp.Compare(a.Begin, b.Begin) })
	if len(spans) != len(cases) {
		t.Fatalf("%d spans, want %d", len(spans), len(cases))
	}
	for i, c := range cases {
		s := spans[i]
		if got[i] != set || s.TraceID != "0af7651916cd43dd8448eb211c80319c" || s.OTelSpanID != "b7ad6b7169203331" || s.OTelParentSpanID != c.parent {
			t.Errorf("%s: sent %q, span %+v; want the caller's header and parent %q", c.name, got[i], s, c.parent)
		}
	}
}

// TestMethodsBounded: methods outside the standard ones share a name.
func TestMethodsBounded(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"GET", "GET"}, {"DELETE", "DELETE"}, {"", "GET"}, {"BREW", otherMethod}, {"get", otherMethod},
	} {
		if got := method(c.in); got != c.want {
			t.Errorf("method(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"GET /users/{id}", "/users/{id}"}, {"/static/", "/static/"}, {"", ""}, {"POST  example.com/x", "example.com/x"},
	} {
		if got := route(c.in); got != c.want {
			t.Errorf("route(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestCacheBounded: past maxCached keys, new keys share the overflow
// value.
func TestCacheBounded(t *testing.T) {
	made := 0
	c := newCache(func(k int) int { made++; return k })
	for i := range maxCached + 100 {
		c.get(i+1, -1)
	}
	if made != maxCached+1 || c.get(maxCached+50, -1) != -1 || c.get(5, -1) != 5 {
		t.Errorf("made %d values; overflow maps to %d", made, c.get(maxCached+50, -1))
	}
}

// TestMiddlewareAllocations: the middleware adds few allocations to a
// request: the request copy carrying the new context and the context
// values (the standard library's cost of a context): 4 in all, against
// one for the bare ServeMux.
func TestMiddlewareAllocations(t *testing.T) {
	startTelemetry(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	h := Middleware(mux)
	req := httptest.NewRequest(http.MethodGet, "/users/1", nil)
	req.Header.Set(traceparent.Header, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	w := &discardWriter{h: http.Header{}}
	h.ServeHTTP(w, req) // warm the caches
	bare := testing.AllocsPerRun(200, func() { mux.ServeHTTP(w, req) })
	traced := testing.AllocsPerRun(200, func() { h.ServeHTTP(w, req) })
	t.Logf("bare %.1f, traced %.1f allocations", bare, traced)
	if extra := traced - bare; extra > 4 {
		t.Errorf("the middleware adds %.1f allocations per request (bare %.1f), want at most 4", extra, bare)
	}
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}
