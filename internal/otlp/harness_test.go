package otlp

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/catalog/sqlite"
	"github.com/micromegas-go/micromegas/internal/ingest"
)

// testTime is when the records of the test requests happen.
var testTime = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// stores opens an empty SQLite catalog and object folder.
func stores(t testing.TB) (catalog.Store, *blobstore.Store) {
	t.Helper()
	dir := t.TempDir()
	c, err := sqlite.Open(context.Background(), filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	b, err := blobstore.Open(context.Background(), "file://"+filepath.Join(dir, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return c, b
}

// serve runs an ingestion server with the receiver's routes on a free
// port and returns its base URL.
func serve(t testing.TB, r *Receiver, c catalog.Store, b *blobstore.Store, middleware func(http.Handler) http.Handler) string {
	t.Helper()
	s, err := ingest.New(ingest.Options{Addr: "127.0.0.1:0", Catalog: c, Blobs: b, Routes: r.Routes(), Middleware: middleware})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return "http://" + s.Addr().String()
}

func newReceiver(t testing.TB, c catalog.Store, b *blobstore.Store, maxBody int64) *Receiver {
	t.Helper()
	r, err := New(Options{Catalog: c, Blobs: b, MaxBodyBytes: maxBody})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// resource sets the identifying attributes of a test service.
func resource(res pcommon.Resource, service string) {
	res.Attributes().PutStr("service.name", service)
	res.Attributes().PutStr("host.name", "test-host")
}

// traceID and spanID make ids from a small number (0: all zeros).
func traceID(n byte) pcommon.TraceID { return pcommon.TraceID{15: n, 0: n} }
func spanID(n byte) pcommon.SpanID   { return pcommon.SpanID{7: n, 0: n} }

// tracesRequest is a request with one resource per service, each with
// spans spans of trace 1 (span ids 1, 2, ...).
func tracesRequest(spans int, services ...string) ptraceotlp.ExportRequest {
	td := ptrace.NewTraces()
	for _, svc := range services {
		rs := td.ResourceSpans().AppendEmpty()
		resource(rs.Resource(), svc)
		ss := rs.ScopeSpans().AppendEmpty()
		ss.Scope().SetName("test/scope")
		for i := range spans {
			sp := ss.Spans().AppendEmpty()
			sp.SetName("work")
			sp.SetTraceID(traceID(1))
			sp.SetSpanID(spanID(byte(i + 1)))
			sp.SetStartTimestamp(pcommon.NewTimestampFromTime(testTime.Add(time.Duration(i) * time.Millisecond)))
			sp.SetEndTimestamp(pcommon.NewTimestampFromTime(testTime.Add(time.Duration(i+1) * time.Millisecond)))
		}
	}
	return ptraceotlp.NewExportRequestFromTraces(td)
}

// logsRequest is a request with n log records of one service.
func logsRequest(n int, service string) plogotlp.ExportRequest {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	resource(rl.Resource(), service)
	sl := rl.ScopeLogs().AppendEmpty()
	for i := range n {
		lr := sl.LogRecords().AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(testTime.Add(time.Duration(i) * time.Millisecond)))
		lr.Body().SetStr("hello")
	}
	return plogotlp.NewExportRequestFromLogs(ld)
}

// metricsRequest is a request with n gauge points of one service.
func metricsRequest(n int, service string) pmetricotlp.ExportRequest {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	resource(rm.Resource(), service)
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("queue_depth")
	pts := m.SetEmptyGauge().DataPoints()
	for i := range n {
		p := pts.AppendEmpty()
		p.SetTimestamp(pcommon.NewTimestampFromTime(testTime.Add(time.Duration(i) * time.Millisecond)))
		p.SetIntValue(int64(i))
	}
	return pmetricotlp.NewExportRequestFromMetrics(md)
}

func mustBytes(t testing.TB) func([]byte, error) []byte {
	return func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

func gzipped(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// post sends body and returns the status, the headers and the body of
// the answer.
func post(t testing.TB, url, contentType, encoding string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, out
}

// blocks lists the blocks of a process's stream of signal s.
func blocks(t testing.TB, c catalog.Store, service string, s Signal) []catalog.Block {
	t.Helper()
	res := pcommon.NewResource()
	resource(res, service)
	out, err := c.ListBlocks(context.Background(), catalog.BlockFilter{StreamID: StreamID(ProcessID(res), s)})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
