package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/ingest/workload"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// TestBadInput checks that what cannot be stored gets a 4xx with a message
// that says what is wrong, and stores nothing.
func TestBadInput(t *testing.T) {
	c, s := sqliteFile().open(t)
	base := startServer(t, Options{Catalog: c, Blobs: s, MaxBodyBytes: 64 << 10})
	p := workload.NewProcess(6, testStart)
	good, err := p.NextBlock(p.Streams[workload.Logs], 10)
	if err != nil {
		t.Fatal(err)
	}
	notLZ4 := good
	notLZ4.Payload.Objects = []byte("plain text, not an LZ4 frame")
	reversed := good
	ancient := good
	ancient.BeginTime = transit.Time{Time: time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)}
	reversed.EndTime = transit.Time{Time: good.BeginTime.Add(-1)}
	processBody := must(t)(p.ProcessBody())
	big, err := p.NextBlock(p.Streams[workload.Logs], 20_000) // > 64 KiB compressed
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		body       []byte
		code       int
		wantInMsg  string
	}{
		{"empty block", "/ingestion/insert_block", nil, 400, "empty body"},
		{"empty process", "/ingestion/insert_process", nil, 400, "empty body"},
		{"empty stream", "/ingestion/insert_stream", nil, 400, "empty body"},
		{"not CBOR", "/ingestion/insert_block", []byte{0xff, 0x00}, 400, "cbor"},
		{"trailing bytes", "/ingestion/insert_process", append(processBody, 0x00), 400, "trailing"},
		{"no ids", "/ingestion/insert_block", []byte{0xa0}, 400, "block_id"},
		{"stream without process", "/ingestion/insert_stream", cborOf(t, map[string]string{"stream_id": string(p.Streams[0].Info.StreamID)}), 400, "process_id"},
		{"bad uuid", "/ingestion/insert_process", cborOf(t, map[string]string{"process_id": "not-a-uuid"}), 400, "uuid"},
		{"bad time", "/ingestion/insert_block", cborOf(t, map[string]string{"block_id": string(good.BlockID), "begin_time": "yesterday"}), 400, "rfc3339"},
		{"payload not LZ4", "/ingestion/insert_block", must(t)(transit.Encode(notLZ4)), 400, "lz4"},
		{"time out of range", "/ingestion/insert_block", must(t)(transit.Encode(ancient)), 400, "outside the supported range"},
		{"end before begin", "/ingestion/insert_block", must(t)(transit.Encode(reversed)), 400, "before begin_time"},
		{"body too large", "/ingestion/insert_block", must(t)(transit.Encode(big)), 413, "too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, msg := post(t, base, tc.path, tc.body)
			if code != tc.code {
				t.Fatalf("status %d (%s), want %d", code, msg, tc.code)
			}
			if !strings.Contains(strings.ToLower(msg), tc.wantInMsg) {
				t.Errorf("message %q does not say %q", msg, tc.wantInMsg)
			}
		})
	}
	blocks, err := c.ListBlocks(t.Context(), catalog.BlockFilter{})
	if err != nil || len(blocks) != 0 {
		t.Errorf("rejected input left %d block rows (%v)", len(blocks), err)
	}
	if keys := objectKeys(t, s, ""); len(keys) != 0 {
		t.Errorf("rejected input left objects %v", keys)
	}
	// The connection of a 413 is closed, others stay usable: the server
	// keeps serving.
	mustPost(t, base, "/ingestion/insert_block", must(t)(transit.Encode(good)))
}

func cborOf(t *testing.T, m map[string]string) []byte {
	t.Helper()
	b, err := transit.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDefaultBodyLimit(t *testing.T) {
	if DefaultMaxBodyBytes != 100<<20 {
		t.Errorf("DefaultMaxBodyBytes = %d, want 100 MiB as the original", DefaultMaxBodyBytes)
	}
	c, s := sqliteFile().open(t)
	srv, err := New(Options{Catalog: c, Blobs: s})
	if err != nil {
		t.Fatal(err)
	}
	if srv.opts.MaxBodyBytes != DefaultMaxBodyBytes {
		t.Errorf("MaxBodyBytes defaults to %d", srv.opts.MaxBodyBytes)
	}
	// A declared length over the limit is refused before the body is read.
	base := startServer(t, Options{Catalog: c, Blobs: s, MaxBodyBytes: 1000})
	req, err := http.NewRequest(http.MethodPost, base+"/ingestion/insert_block", bytes.NewReader(make([]byte, 2000)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2000-byte body with a 1000-byte limit: %d, want 413", resp.StatusCode)
	}
}

func TestRoutes(t *testing.T) {
	c, s := sqliteFile().open(t)
	deny := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer good" {
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	base := startServer(t, Options{Catalog: c, Blobs: s, Middleware: deny})
	p := workload.NewProcess(7, testStart)
	body, err := p.ProcessBody()
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := post(t, base, "/ingestion/insert_process", body); code != http.StatusUnauthorized {
		t.Errorf("without credentials: %d, want 401 from the middleware", code)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/ingestion/insert_process", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer good")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("with credentials: %d, want 200", resp.StatusCode)
	}
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/health", 200},                      // public
		{http.MethodGet, "/ready", 200},                       // public
		{http.MethodGet, "/ingestion/insert_block", 405},      // POST only
		{http.MethodPost, "/ingestion/insert_nothing", 404},   // unknown route
		{http.MethodPost, "/ingestion/insert_block/", 404},    // no prefix matching
		{http.MethodDelete, "/ingestion/insert_process", 405}, // POST only
	} {
		for _, token := range []string{"", "good"} {
			req, _ := http.NewRequest(tc.method, base+tc.path, nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := tc.want
			if token == "" && tc.want != 200 {
				want = http.StatusUnauthorized // nothing but 401 without credentials
			}
			if resp.StatusCode != want {
				t.Errorf("%s %s with token %q: %d, want %d", tc.method, tc.path, token, resp.StatusCode, want)
			}
		}
	}
}

// TestReadyFailsWithoutObjectStore removes the object folder under a
// running server: /ready says 503 and which store is wrong, /health stays
// 200.
func TestReadyFailsWithoutObjectStore(t *testing.T) {
	dir := t.TempDir()
	c := openSQLite(t, filepath.Join(dir, "catalog.db"))
	s := openBlobs(t, filepath.Join(dir, "objects"))
	base := startServer(t, Options{Catalog: c, Blobs: s})
	if code, msg := get(t, base+"/ready"); code != http.StatusOK {
		t.Fatalf("ready: %d %s", code, msg)
	}
	if err := os.RemoveAll(filepath.Join(dir, "objects")); err != nil {
		t.Fatal(err)
	}
	if code, msg := get(t, base+"/ready"); code != http.StatusServiceUnavailable || !strings.Contains(msg, "object store") {
		t.Errorf("ready without the object folder: %d %q, want 503 naming the object store", code, msg)
	}
	if code, _ := get(t, base+"/health"); code != http.StatusOK {
		t.Errorf("health: %d, want 200 (the process is alive)", code)
	}
}

// TestBodyFraming sends bodies without a declared length (chunked) and
// shorter than their declared length.
func TestBodyFraming(t *testing.T) {
	c, s := sqliteFile().open(t)
	base := startServer(t, Options{Catalog: c, Blobs: s, MaxBodyBytes: 4096})
	p := workload.NewProcess(8, testStart)
	body := must(t)(p.ProcessBody())
	chunked := func(b []byte) int {
		// A reader of unknown length makes the client send chunks.
		req, err := http.NewRequest(http.MethodPost, base+"/ingestion/insert_process", io.MultiReader(bytes.NewReader(b)))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := chunked(body); code != http.StatusOK {
		t.Errorf("chunked body within the limit: %d, want 200", code)
	}
	if code := chunked(make([]byte, 5000)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked body over the limit: %d, want 413", code)
	}

	// Content-Length 100 and 10 bytes, then the client stops sending.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /ingestion/insert_process HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
	conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(msg), "shorter than its Content-Length") {
		t.Errorf("truncated body: %d %q, want 400 saying the body is short", resp.StatusCode, msg)
	}
}
