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
	clientBytes    = telemetry.NewMetricTarget(ClientTarget, "http_client_response_size", "bytes", "", 0)
	clientSpans    = newSpans(ClientTarget)
	clientProps    = newProps("host")
)

// Transport is an http.RoundTripper that records every request it sends:
// an async span named after the method and the host ("GET
// api.example.com"), under the span of the request's context, and the
// metrics http_client_request_duration (seconds) and, when the response
// gives its Content-Length, http_client_response_size (bytes), with the
// properties method, host and status (0 when no response came). The span
// records the status and the sizes of the request and of the response
// as their Content-Length says (-1 when unknown: the size of a body
// read after RoundTrip returns is not counted). It sets the W3C
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
	reqBytes := requestSize(req)
	resp, err := base.RoundTrip(req)
	st := telemetry.SpanStatus{RequestBytes: reqBytes, ResponseBytes: -1}
	if err == nil {
		st.Code, st.ResponseBytes = int64(resp.StatusCode), resp.ContentLength
	}
	m := method(req.Method)
	host := req.URL.Host
	span.FinishStatus(clientSpans.get(spanKey{m, host}, spanKey{m, ""}), ids, st)
	status := int(st.Code)
	props := clientProps.get(propsKey{m, host, status}, propsKey{m, "", status})
	clientDuration.RecordFloatWith(props, time.Since(start).Seconds())
	if st.ResponseBytes >= 0 {
		clientBytes.RecordIntWith(props, uint64(st.ResponseBytes))
	}
	return resp, err
}

// requestSize is the size of req's body: 0 without a body, its
// ContentLength when set, -1 when unknown (on a client request, a
// ContentLength of 0 with a body means unknown).
func requestSize(req *http.Request) int64 {
	switch {
	case req.Body == nil || req.Body == http.NoBody:
		return 0
	case req.ContentLength > 0:
		return req.ContentLength
	}
	return -1
}
