package otlp

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/catalog/sqlite"
)

// FuzzHTTP sends arbitrary bodies, as protobuf or JSON, plain or gzip,
// to the three OTLP/HTTP handlers of a receiver on working stores
// (SQLite, memory objects). Whatever the body, the answer is 200 or a
// 4xx with a google.rpc.Status (never a 5xx: the input alone must not
// break the server), a 200 is a valid export response, and every
// acknowledged block has its object.
func FuzzHTTP(f *testing.F) {
	m := mustBytes(f)
	f.Add(uint8(0), false, false, m(logsRequest(2, "fuzz").MarshalProto()))
	f.Add(uint8(1), true, false, m(metricsRequest(2, "fuzz").MarshalJSON()))
	f.Add(uint8(2), false, true, gzipped(f, m(tracesRequest(2, "fuzz", "fuzz-b").MarshalProto())))
	f.Add(uint8(2), true, false, m(tracesRequest(1, "fuzz").MarshalJSON()))
	f.Add(uint8(0), false, false, []byte{})

	ctx := context.Background()
	c, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "catalog.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.Close() })
	blobs, err := blobstore.Open(ctx, "mem://")
	if err != nil {
		f.Fatal(err)
	}
	r := newReceiver(f, c, blobs, 64<<10)
	handlers := [...]http.Handler{r.Handler(Logs), r.Handler(Metrics), r.Handler(Traces)}

	f.Fuzz(func(t *testing.T, signal uint8, isJSON, gz bool, body []byte) {
		s := Signal(int(signal) % len(handlers))
		req := httptest.NewRequest(http.MethodPost, "/v1/"+s.String(), bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType(isJSON))
		if gz {
			req.Header.Set("Content-Encoding", "gzip")
		}
		rec := httptest.NewRecorder()
		handlers[s].ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			partialMessage(t, s, isJSON, rec.Body.Bytes())
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if statusMessage(t, contentType(isJSON), rec.Body.Bytes()) == "" {
				t.Fatalf("%d without a message", rec.Code)
			}
			return
		default:
			t.Fatalf("status %d (%q) for a %d-byte body", rec.Code, rec.Body, len(body))
		}
		bs, err := c.ListBlocks(ctx, catalog.BlockFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			if _, err := blobs.Size(ctx, blobstore.BlockKey(b.ProcessID, b.StreamID, b.BlockID)); err != nil {
				t.Fatalf("block %s has no object: %v", b.BlockID, err)
			}
		}
	})
}
