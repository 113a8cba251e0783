package ingest

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/blobstore/s3test"
	"github.com/micromegas-go/micromegas/internal/catalog/postgres/pgtest"
	"github.com/micromegas-go/micromegas/internal/ingest/workload"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// retryPost posts body until it is acknowledged, as a client does after
// 503s, and fails the test after a few seconds.
func retryPost(t *testing.T, base, path string, body []byte) {
	t.Helper()
	var code int
	var msg string
	for range 30 {
		if code, msg = post(t, base, path, body); code == http.StatusOK {
			return
		}
		if code != http.StatusServiceUnavailable {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("POST %s after the store came back: %d %s", path, code, msg)
}

// TestObjectStoreDown cuts the connection to S3 under a running server:
// blocks get 503 and leave no catalog row; once S3 is back, the client's
// retry is stored once.
func TestObjectStoreDown(t *testing.T) {
	srv := s3test.StartServer(t)
	endpoint, err := url.Parse(srv.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	px := startProxy(t, endpoint.Host)
	bucketURI, err := url.Parse(srv.NewBucket(t))
	if err != nil {
		t.Fatal(err)
	}
	q := bucketURI.Query()
	q.Set("endpoint", "http://"+px.addr)
	bucketURI.RawQuery = q.Encode()

	c := openSQLite(t, filepath.Join(t.TempDir(), "catalog.db"))
	s := openBlobs(t, bucketURI.String())
	base := startServer(t, Options{Catalog: c, Blobs: s})

	p := workload.NewProcess(10, testStart)
	st := p.Streams[workload.Logs]
	b, err := p.NextBlock(st, 100)
	if err != nil {
		t.Fatal(err)
	}
	body := must(t)(transit.Encode(b))
	mustPost(t, base, "/ingestion/insert_process", must(t)(p.ProcessBody()))
	mustPost(t, base, "/ingestion/insert_stream", must(t)(st.Body()))

	px.cut()
	code, msg := post(t, base, "/ingestion/insert_block", body)
	if code != http.StatusServiceUnavailable || !strings.Contains(msg, "object store unavailable") {
		t.Fatalf("block while S3 is down: %d %q, want 503 saying the object store is unavailable", code, msg)
	}
	if rows := blockRows(t, c, string(p.Info.ProcessID), string(b.BlockID)); len(rows) != 0 {
		t.Fatalf("a block refused with 503 has %d catalog rows, want none", len(rows))
	}
	if code, msg := get(t, base+"/ready"); code != http.StatusServiceUnavailable || !strings.Contains(msg, "object store") {
		t.Errorf("ready while S3 is down: %d %q, want 503 naming the object store", code, msg)
	}
	// Processes and streams do not need the object store.
	p2 := workload.NewProcess(11, testStart)
	mustPost(t, base, "/ingestion/insert_process", must(t)(p2.ProcessBody()))

	px.restore()
	retryPost(t, base, "/ingestion/insert_block", body)
	if rows := blockRows(t, c, string(p.Info.ProcessID), string(b.BlockID)); len(rows) != 1 {
		t.Errorf("block retried after S3 came back: %d rows, want 1", len(rows))
	}
	if _, err := s.Get(t.Context(), blobstore.BlockKey(string(b.ProcessID), string(b.StreamID), string(b.BlockID))); err != nil {
		t.Errorf("object of the retried block: %v", err)
	}
	if code, msg := get(t, base+"/ready"); code != http.StatusOK {
		t.Errorf("ready after S3 came back: %d %s", code, msg)
	}
}

// TestCatalogDown cuts the connections to PostgreSQL under a running
// server: every route gets 503 and /ready says so; once the database is
// back, the client's retries are stored once.
func TestCatalogDown(t *testing.T) {
	conn, err := url.Parse(pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	px := startProxy(t, conn.Host)
	conn.Host = px.addr
	c := openPostgres(t, conn.String())
	s := openBlobs(t, "file://"+filepath.Join(t.TempDir(), "objects"))
	base := startServer(t, Options{Catalog: c, Blobs: s})

	p := workload.NewProcess(12, testStart)
	st := p.Streams[workload.Metrics]
	b, err := p.NextBlock(st, 100)
	if err != nil {
		t.Fatal(err)
	}
	mustPost(t, base, "/ingestion/insert_process", must(t)(p.ProcessBody())) // a live pool

	px.cut()
	bodies := []struct {
		path string
		body []byte
	}{
		{"/ingestion/insert_stream", must(t)(st.Body())},
		{"/ingestion/insert_block", must(t)(transit.Encode(b))},
		{"/ingestion/insert_process", must(t)(p.ProcessBody())},
	}
	for _, m := range bodies {
		code, msg := post(t, base, m.path, m.body)
		if code != http.StatusServiceUnavailable || !strings.Contains(msg, "catalog unavailable") {
			t.Errorf("%s while PostgreSQL is down: %d %q, want 503 saying the catalog is unavailable", m.path, code, msg)
		}
	}
	if code, msg := get(t, base+"/ready"); code != http.StatusServiceUnavailable || !strings.Contains(msg, "catalog") {
		t.Errorf("ready while PostgreSQL is down: %d %q, want 503 naming the catalog", code, msg)
	}

	px.restore()
	for _, m := range bodies {
		retryPost(t, base, m.path, m.body)
	}
	if rows := blockRows(t, c, string(p.Info.ProcessID), string(b.BlockID)); len(rows) != 1 {
		t.Errorf("block retried after PostgreSQL came back: %d rows, want 1", len(rows))
	}
	streams, err := c.ListStreams(t.Context(), string(p.Info.ProcessID))
	if err != nil || len(streams) != 1 {
		t.Errorf("stream retried after PostgreSQL came back: %d rows (%v), want 1", len(streams), err)
	}
	if code, msg := get(t, base+"/ready"); code != http.StatusOK {
		t.Errorf("ready after PostgreSQL came back: %d %s", code, msg)
	}
}
