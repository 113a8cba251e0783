package httptrace

import (
	"net/http"
	"time"

	"github.com/micromegas-go/micromegas/telemetry"
	"github.com/micromegas-go/micromegas/telemetry/traceparent"
)

// Metrics of the client transport.
var (
	clientDuration = telemetry.NewMetricTarget(ClientTarget, "http_client_request_duration", "seconds", "", 0)
	clientSpans    = newSpans(ClientTarget)
	clientProps    = newProps("host")
)

// Transport is an http.RoundTripper that records every request it sends:
// an async span named after the method and the host ("GET
// api.example.com"), under the span of the request's context, and the
// metric http_client_request_duration (seconds) with the properties
// method, host and status (0 when no response came). It sets the W3C
// traceparent header: the trace of the request's context
// (traceparent.FromContext, as Middleware puts it there), else a new one,
// with a new span id that the span records as its own (the caller's
// span id, from the context, as its parent). A traceparent the caller
// set is sent as is, and its ids are the span's.
type Transport struct {
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
}

// NewTransport returns a Transport over base (nil: http.DefaultTransport).
func NewTransport(base http.RoundTripper) *Transport { return &Transport{Base: base} }

// RoundTrip sends req. As the RoundTripper contract asks, req is not
// modified: when it lacks a traceparent header, a copy carrying one is
// sent.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	start := time.Now()
	span := telemetry.BeginPending(telemetry.AsyncSpanFromContext(req.Context()))
	tc, _ := traceparent.FromContext(req.Context())
	var ids telemetry.TraceIDs
	if h := req.Header.Get(traceparent.Header); h == "" {
		sent := tc.Child() // a new trace when the context has none; tc.SpanID is then zero
		var buf [55]byte
		out := req.Clone(req.Context())
		out.Header.Set(traceparent.Header, string(sent.Append(buf[:0])))
		req = out
		ids = telemetry.TraceIDs{TraceID: sent.TraceID, SpanID: sent.SpanID, ParentSpanID: tc.SpanID}
	} else if sent, ok := traceparent.Parse(h); ok { // set by the caller
		ids = telemetry.TraceIDs{TraceID: sent.TraceID, SpanID: sent.SpanID}
		if sent.TraceID == tc.TraceID {
			ids.ParentSpanID = tc.SpanID
		}
	}
	resp, err := base.RoundTrip(req)
	status := 0
	if err == nil {
		status = resp.StatusCode
	}
	m := method(req.Method)
	host := req.URL.Host
	span.FinishTraced(clientSpans.get(spanKey{m, host}, spanKey{m, ""}), ids)
	clientDuration.RecordFloatWith(clientProps.get(propsKey{m, host, status}, propsKey{m, "", status}), time.Since(start).Seconds())
	return resp, err
}
