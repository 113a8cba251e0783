package otlp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
)

// statusMessage decodes the google.rpc.Status of an error answer.
func statusMessage(t *testing.T, contentType string, body []byte) string {
	t.Helper()
	var st spb.Status
	var err error
	if contentType == contentJSON {
		err = protojson.Unmarshal(body, &st)
	} else {
		err = proto.Unmarshal(body, &st)
	}
	if err != nil {
		t.Fatalf("error body %q is not a google.rpc.Status in %s: %v", body, contentType, err)
	}
	return st.GetMessage()
}

// TestHTTP sends requests of every kind to the OTLP/HTTP routes of an
// ingestion server on SQLite and a folder, and checks the status, the
// answer and what was stored.
func TestHTTP(t *testing.T) {
	const limit = 64 << 10
	c, b := stores(t)
	base := serve(t, newReceiver(t, c, b, limit), c, b, nil)
	m := mustBytes(t)
	traces := m(tracesRequest(3, "proto-traces").MarshalProto())
	bomb := gzipped(t, make([]byte, 10*limit))
	badSpans := tracesRequest(2, "partial-traces")
	badSpans.Traces().ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(1).SetTraceID(traceID(0))
	for _, tc := range []struct {
		name, path, contentType, encoding string
		body                              []byte
		status                            int
		msg                               string // in the error message, or the partial success's
		service                           string // whose stream gets blocks
		signal                            Signal
		blocks, records                   int
	}{
		{name: "protobuf traces", path: "/v1/traces", contentType: contentProtobuf, body: traces,
			status: 200, service: "proto-traces", signal: Traces, blocks: 1, records: 3},
		{name: "JSON logs on the original's path", path: "/ingestion/otlp/v1/logs", contentType: contentJSON + "; charset=utf-8",
			body: m(logsRequest(4, "json-logs").MarshalJSON()), status: 200, service: "json-logs", signal: Logs, blocks: 1, records: 4},
		{name: "gzip metrics", path: "/v1/metrics", contentType: contentProtobuf, encoding: "gzip",
			body: gzipped(t, m(metricsRequest(5, "gzip-metrics").MarshalProto())), status: 200, service: "gzip-metrics", signal: Metrics, blocks: 1, records: 5},
		{name: "partial success", path: "/v1/traces", contentType: contentProtobuf, body: m(badSpans.MarshalProto()),
			status: 200, msg: "1 spans refused; the first: resource 0, scope 0, span \"work\": trace_id is missing or all zeros",
			service: "partial-traces", signal: Traces, blocks: 1, records: 1},
		{name: "malformed protobuf", path: "/v1/traces", contentType: contentProtobuf, body: []byte{0x0a, 0xff, 0xff, 0x01},
			status: 400, msg: "cannot decode the body as an OTLP traces export request in application/x-protobuf"},
		{name: "truncated protobuf", path: "/v1/traces", contentType: contentProtobuf, body: traces[:len(traces)/2],
			status: 400, msg: "cannot decode the body"},
		{name: "malformed JSON", path: "/v1/logs", contentType: contentJSON, body: []byte(`{"resourceLogs": [`),
			status: 400, msg: "cannot decode the body as an OTLP logs export request in application/json"},
		{name: "wrong content type", path: "/v1/traces", contentType: "text/plain", body: traces,
			status: 415, msg: `unsupported Content-Type "text/plain": send application/x-protobuf or application/json`},
		{name: "no content type", path: "/v1/metrics", body: traces, status: 415, msg: "unsupported Content-Type"},
		{name: "unsupported encoding", path: "/v1/traces", contentType: contentProtobuf, encoding: "br", body: traces,
			status: 415, msg: `unsupported Content-Encoding "br"`},
		{name: "not gzip", path: "/v1/traces", contentType: contentProtobuf, encoding: "gzip", body: traces,
			status: 400, msg: "the body is not gzip"},
		{name: "oversized", path: "/v1/logs", contentType: contentProtobuf, body: make([]byte, limit+1),
			status: 413, msg: "larger than 65536 bytes: send smaller batches"},
		{name: "oversized once decompressed", path: "/v1/logs", contentType: contentProtobuf, encoding: "gzip", body: bomb,
			status: 413, msg: "the decompressed body is larger than 65536 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := post(t, base+tc.path, tc.contentType, tc.encoding, tc.body)
			if status != tc.status {
				t.Fatalf("status %d (%q), want %d", status, body, tc.status)
			}
			ct := h.Get("Content-Type")
			if status != 200 {
				if msg := statusMessage(t, ct, body); !strings.Contains(msg, tc.msg) {
					t.Errorf("message %q, want it to contain %q", msg, tc.msg)
				}
				return
			}
			wantCT := contentProtobuf
			if strings.HasPrefix(tc.contentType, contentJSON) {
				wantCT = contentJSON
			}
			if ct != wantCT {
				t.Errorf("answer in %q, want %q", ct, wantCT)
			}
			if got := partialMessage(t, tc.signal, ct == contentJSON, body); got != tc.msg {
				t.Errorf("partial success %q, want %q", got, tc.msg)
			}
			bs := blocks(t, c, tc.service, tc.signal)
			records := 0
			for _, blk := range bs {
				records += int(blk.NbObjects)
			}
			if len(bs) != tc.blocks || records != tc.records {
				t.Errorf("%d blocks of %d records stored, want %d of %d", len(bs), records, tc.blocks, tc.records)
			}
		})
	}
	// Refused requests stored nothing, and the routes still work.
	if bs := blocks(t, c, "proto-traces", Traces); len(bs) != 1 {
		t.Errorf("after the bad requests, %d blocks of proto-traces, want 1", len(bs))
	}
	if status, _, body := post(t, base+"/v1/traces", contentProtobuf, "", m(tracesRequest(1, "after").MarshalProto())); status != 200 {
		t.Errorf("a good request after bad ones: %d %q", status, body)
	}
	resp, err := http.Get(base + "/v1/traces")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /v1/traces: %d, want 405", resp.StatusCode)
	}
}

// partialMessage decodes an export answer and returns its partial
// success message ("" when none), checking that the rejected count is
// set when the message is.
func partialMessage(t *testing.T, s Signal, isJSON bool, body []byte) string {
	t.Helper()
	var n int64
	var msg string
	var err error
	switch s {
	case Logs:
		r := plogotlp.NewExportResponse()
		err = pick(isJSON, r.UnmarshalJSON, r.UnmarshalProto)(body)
		n, msg = r.PartialSuccess().RejectedLogRecords(), r.PartialSuccess().ErrorMessage()
	case Metrics:
		r := pmetricotlp.NewExportResponse()
		err = pick(isJSON, r.UnmarshalJSON, r.UnmarshalProto)(body)
		n, msg = r.PartialSuccess().RejectedDataPoints(), r.PartialSuccess().ErrorMessage()
	case Traces:
		r := ptraceotlp.NewExportResponse()
		err = pick(isJSON, r.UnmarshalJSON, r.UnmarshalProto)(body)
		n, msg = r.PartialSuccess().RejectedSpans(), r.PartialSuccess().ErrorMessage()
	}
	if err != nil {
		t.Fatalf("answer %q does not decode: %v", body, err)
	}
	if (n > 0) != (msg != "") {
		t.Errorf("partial success: %d refused with message %q", n, msg)
	}
	return msg
}

// TestStoredAsSent checks the stored block of a one-process protobuf
// request is the body itself, and that a retry adds nothing.
func TestStoredAsSent(t *testing.T) {
	c, b := stores(t)
	base := serve(t, newReceiver(t, c, b, 0), c, b, nil)
	body := mustBytes(t)(tracesRequest(2, "retried").MarshalProto())
	for range 3 {
		if status, _, out := post(t, base+"/v1/traces", contentProtobuf, "", body); status != 200 {
			t.Fatalf("status %d %q", status, out)
		}
	}
	bs := blocks(t, c, "retried", Traces)
	if len(bs) != 1 {
		t.Fatalf("%d blocks after 3 identical requests, want 1", len(bs))
	}
	stored, err := b.Get(context.Background(), blobstore.BlockKey(bs[0].ProcessID, bs[0].StreamID, bs[0].BlockID))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored, body) {
		t.Errorf("stored %d bytes, not the %d-byte body", len(stored), len(body))
	}
	want := testTime
	if !bs[0].BeginTime.Equal(want) || !bs[0].EndTime.Equal(want.Add(1e6)) {
		t.Errorf("block times [%v, %v], want the span starts [%v, %v]", bs[0].BeginTime, bs[0].EndTime, want, want.Add(1e6))
	}
}

// TestResourcesByProcess sends one request with resources of two
// services, one of them twice: each process gets one block with all of
// its records, and the process rows come from the resources.
func TestResourcesByProcess(t *testing.T) {
	c, b := stores(t)
	base := serve(t, newReceiver(t, c, b, 0), c, b, nil)
	req := tracesRequest(2, "svc-a", "svc-b", "svc-a")
	req.Traces().ResourceSpans().At(0).Resource().Attributes().PutStr("os.description", "Debian 13")
	if status, _, out := post(t, base+"/v1/traces", contentProtobuf, "", mustBytes(t)(req.MarshalProto())); status != 200 {
		t.Fatalf("status %d %q", status, out)
	}
	for svc, want := range map[string]int32{"svc-a": 4, "svc-b": 2} {
		bs := blocks(t, c, svc, Traces)
		if len(bs) != 1 || bs[0].NbObjects != want {
			t.Errorf("%s: blocks %+v, want one of %d spans", svc, bs, want)
			continue
		}
		p, err := c.GetProcess(context.Background(), bs[0].ProcessID)
		if err != nil {
			t.Fatal(err)
		}
		st, err := c.GetStream(context.Background(), bs[0].StreamID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Exe != svc || p.Computer != "test-host" || p.Properties["service.name"] != svc || st.Format != catalog.FormatOTLPTraces ||
			len(st.Tags) != 1 || st.Tags[0] != "traces" {
			t.Errorf("%s: process %+v, stream %+v", svc, p, st)
		}
		if svc == "svc-a" && p.Distro != "Debian 13" {
			t.Errorf("svc-a: distro %q, want os.description", p.Distro)
		}
	}
}

// TestTruncatedBody sends fewer bytes than Content-Length says.
func TestTruncatedBody(t *testing.T) {
	c, b := stores(t)
	base := serve(t, newReceiver(t, c, b, 0), c, b, nil)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"resourceLogs\"")
	conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(statusMessage(t, contentJSON, body), "shorter than its Content-Length") {
		t.Errorf("truncated body: %d %q, want 400 saying the body is short", resp.StatusCode, body)
	}
}

// TestMiddleware checks the OTLP routes go through the ingestion
// server's middleware, where authentication plugs in.
func TestMiddleware(t *testing.T) {
	c, b := stores(t)
	deny := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer ok" {
				http.Error(w, "who are you", http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	base := serve(t, newReceiver(t, c, b, 0), c, b, deny)
	body := mustBytes(t)(logsRequest(1, "guarded").MarshalProto())
	for _, path := range []string{"/v1/logs", "/ingestion/otlp/v1/logs"} {
		if status, _, _ := post(t, base+path, contentProtobuf, "", body); status != http.StatusUnauthorized {
			t.Errorf("%s without credentials: %d, want 401", path, status)
		}
		req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentProtobuf)
		req.Header.Set("Authorization", "Bearer ok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s with credentials: %d, want 200", path, resp.StatusCode)
		}
	}
}

// failingCatalog is a catalog whose block inserts fail with err while
// fail is set (a unit test of the receiver's error handling).
type failingCatalog struct {
	catalog.Store
	fail bool
}

func (f *failingCatalog) InsertBlock(ctx context.Context, b catalog.Block) error {
	if f.fail {
		return fmt.Errorf("insert: %w", catalog.ErrUnavailable)
	}
	return f.Store.InsertBlock(ctx, b)
}

// TestUnavailable checks a catalog outage gives 503 with Retry-After,
// and that the request retried once it is over is stored once.
func TestUnavailable(t *testing.T) {
	c, b := stores(t)
	fc := &failingCatalog{Store: c, fail: true}
	base := serve(t, newReceiver(t, fc, b, 0), c, b, nil)
	body := mustBytes(t)(metricsRequest(3, "outage").MarshalProto())
	status, h, out := post(t, base+"/v1/metrics", contentProtobuf, "", body)
	if status != 503 || h.Get("Retry-After") != "5" || !strings.Contains(statusMessage(t, contentProtobuf, out), "catalog unavailable: retry later") {
		t.Errorf("during the outage: %d, Retry-After %q, %q; want 503, 5, catalog unavailable", status, h.Get("Retry-After"), out)
	}
	fc.fail = false
	if status, _, out := post(t, base+"/v1/metrics", contentProtobuf, "", body); status != 200 {
		t.Fatalf("retry after the outage: %d %q", status, out)
	}
	if bs := blocks(t, c, "outage", Metrics); len(bs) != 1 || bs[0].NbObjects != 3 {
		t.Errorf("blocks after the retry: %+v, want one of 3 points", bs)
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
	}{
		{badRequest("x"), 400},
		{&inputError{status: 413, msg: "big"}, 413},
		{fmt.Errorf("put: %w", blobstore.ErrUnavailable), 503},
		{fmt.Errorf("insert: %w", catalog.ErrUnavailable), 503},
		{fmt.Errorf("insert: %w", catalog.ErrConflict), 500},
		{errors.New("boom"), 500},
	} {
		if status, _, msg := classify(tc.err); status != tc.status || msg == "" {
			t.Errorf("classify(%v) = %d %q, want %d", tc.err, status, msg, tc.status)
		}
	}
}
