package ingest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog/sqlite"
	"github.com/micromegas-go/micromegas/internal/ingest/workload"
	"github.com/micromegas-go/micromegas/internal/transit"
)

var fuzzRoutes = [...]string{"/ingestion/insert_process", "/ingestion/insert_stream", "/ingestion/insert_block"}

// FuzzHandler sends arbitrary bodies to the three routes of a server on
// working stores (SQLite, memory objects). Whatever the body, the answer is
// 200 or a 4xx (never a 5xx: the input alone must not break the server),
// and an acknowledged block has its object and its row.
func FuzzHandler(f *testing.F) {
	seed := func(b []byte, err error) []byte {
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	p := workload.NewProcess(20, testStart)
	f.Add(uint8(0), seed(p.ProcessBody()))
	for _, s := range p.Streams {
		f.Add(uint8(1), seed(s.Body()))
		b, err := p.NextBlock(s, 3)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(2), seed(transit.Encode(b)))
	}
	f.Add(uint8(2), []byte{0xa0})
	f.Add(uint8(0), []byte{})

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
	srv, err := New(Options{Catalog: c, Blobs: blobs, MaxBodyBytes: 8 << 10})
	if err != nil {
		f.Fatal(err)
	}
	h := srv.Handler()

	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		path := fuzzRoutes[int(route)%len(fuzzRoutes)]
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("%s: status %d (%s) for a %d-byte body", path, rec.Code, rec.Body, len(body))
		}
		if rec.Code != http.StatusOK {
			if rec.Body.Len() == 0 {
				t.Fatalf("%s: %d without a message", path, rec.Code)
			}
			return
		}
		if path != fuzzRoutes[2] {
			return
		}
		b, err := transit.DecodeBlock(body)
		if err != nil {
			t.Fatalf("acknowledged a block that does not decode: %v", err)
		}
		if _, err := blobs.Size(ctx, blobstore.BlockKey(string(b.ProcessID), string(b.StreamID), string(b.BlockID))); err != nil {
			t.Fatalf("acknowledged block %s has no object: %v", b.BlockID, err)
		}
		if rows := blockRows(t, c, string(b.ProcessID), string(b.BlockID)); len(rows) != 1 {
			t.Fatalf("acknowledged block %s has %d rows", b.BlockID, len(rows))
		}
	})
}
