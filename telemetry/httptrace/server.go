package httptrace

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/micromegas-go/micromegas/telemetry"
	"github.com/micromegas-go/micromegas/telemetry/traceparent"
)

// Metrics and log of the server middleware.
var (
	serverDuration = telemetry.NewMetricTarget(ServerTarget, "http_server_request_duration", "seconds", "", 0)
	serverBytes    = telemetry.NewMetricTarget(ServerTarget, "http_server_response_size", "bytes", "", 0)
	serverLog      = telemetry.NewLogSite(telemetry.LevelDebug, ServerTarget, "%s %s: %d, %d bytes in %d µs, trace %s")
	serverSpans    = newSpans(ServerTarget)
	serverProps    = newProps("route")
)

// Middleware records every request served by next: an async span named
// after the method and the route pattern that Go's ServeMux matched ("GET
// /users/{id}"), and the metrics http_server_request_duration (seconds)
// and http_server_response_size (bytes) with the properties method, route
// and status. The W3C traceparent header of the request, or a new trace
// when it has none, is in the request's context (traceparent.FromContext)
// and passed on by Transport; the span records its trace id, its own
// span id in the trace and the caller's (the async_events columns
// trace_id, otel_span_id, otel_parent_span_id of its begin row), and the
// response's status, the request's Content-Length (-1 when it has none)
// and the response's size in bytes (the columns status, request_bytes
// and response_bytes of its end row). At debug level (target
// micromegas/http/server) each request is also logged with its trace id.
//
// Spans are recorded when CPU tracing is on (see telemetry.Config); the
// handler's context carries the span (telemetry.AsyncSpanFromContext), so
// spans begun from it nest under the request.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		in, _ := traceparent.Parse(r.Header.Get(traceparent.Header))
		tc := in.Child() // a new trace when the request has none; in.SpanID is then zero
		parent := telemetry.AsyncSpanFromContext(r.Context())
		span := telemetry.BeginPending(parent)
		ctx := traceparent.NewContext(r.Context(), tc)
		if span.ID() != 0 {
			ctx = telemetry.ContextWithAsyncSpan(ctx, span.AsyncSpan)
		}
		r2 := r.WithContext(ctx)
		rec := getRecorder(w)
		defer putRecorder(rec)
		next.ServeHTTP(rec, r2)
		m := method(r.Method)
		rt := route(r2.Pattern)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		span.FinishStatus(serverSpans.get(spanKey{m, rt}, spanKey{m, ""}),
			telemetry.TraceIDs{TraceID: tc.TraceID, SpanID: tc.SpanID, ParentSpanID: in.SpanID},
			telemetry.SpanStatus{Code: int64(status), RequestBytes: r.ContentLength, ResponseBytes: rec.bytes})
		props := serverProps.get(propsKey{m, rt, status}, propsKey{m, "", status})
		elapsed := time.Since(start)
		serverDuration.RecordFloatWith(props, elapsed.Seconds())
		serverBytes.RecordIntWith(props, uint64(rec.bytes))
		if serverLog.Enabled() {
			var id [32]byte
			tc.AppendTraceID(id[:0])
			serverLog.LogfWith(props, m, r.URL.Path, status, rec.bytes, elapsed.Microseconds(), string(id[:]))
		}
	})
}

// recorder captures the status and the size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

var recorders = sync.Pool{New: func() any { return new(recorder) }}

func getRecorder(w http.ResponseWriter) *recorder {
	rec := recorders.Get().(*recorder)
	rec.ResponseWriter, rec.status, rec.bytes = w, 0, 0
	return rec
}

func putRecorder(rec *recorder) {
	rec.ResponseWriter = nil
	recorders.Put(rec)
}

// WriteHeader records the status.
func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 && code >= 200 {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

// Write counts the bytes of the body.
func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += int64(n)
	return n, err
}

// Flush flushes the response when the writer can.
func (rec *recorder) Flush() {
	if f, ok := rec.ResponseWriter.(http.Flusher); ok {
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		f.Flush()
	}
}

// Hijack hands the connection over when the writer can.
func (rec *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := rec.ResponseWriter.(http.Hijacker); ok {
		rec.status = http.StatusSwitchingProtocols
		return h.Hijack()
	}
	return nil, nil, errors.New("httptrace: the response writer cannot hijack")
}

// Unwrap gives http.ResponseController the writer underneath.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }
