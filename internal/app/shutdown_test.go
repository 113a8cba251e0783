package app

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/ingest/workload"
)

// TestShutdownDrainsIngestion sends a block whose body is still on its
// way when the node is told to stop: the node refuses new connections at
// once, finishes that request (200, block stored), then stops.
func TestShutdownDrainsIngestion(t *testing.T) {
	dir := t.TempDir()
	a, err := Start(context.Background(), Config{DataDir: dir, Roles: Ingestion, IngestionAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + a.IngestionAddr().String()
	p := workload.NewProcess(7, time.Now())
	s := p.Streams[0]
	// A new connection per request: a request written on an idle
	// keep-alive connection that Shutdown closes at that moment is lost
	// in any HTTP server (clients retry it), which is not what this tests.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	post := func(path string, body io.Reader) (int, error) {
		resp, err := client.Post(base+path, "application/cbor", body)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	procBody, err := p.ProcessBody()
	if err != nil {
		t.Fatal(err)
	}
	streamBody, err := s.Body()
	if err != nil {
		t.Fatal(err)
	}
	for path, body := range map[string][]byte{"/ingestion/insert_process": procBody, "/ingestion/insert_stream": streamBody} {
		if code, err := post(path, bytes.NewReader(body)); err != nil || code != http.StatusOK {
			t.Fatalf("%s: %d %v", path, code, err)
		}
	}
	block, err := p.NextBlock(s, 100)
	if err != nil {
		t.Fatal(err)
	}
	blockBody, err := workload.WithID(block, string(block.BlockID))
	if err != nil {
		t.Fatal(err)
	}

	pr, pw := io.Pipe()
	type result struct {
		code int
		err  error
	}
	inFlight := make(chan result, 1)
	go func() {
		code, err := post("/ingestion/insert_block", pr)
		inFlight <- result{code, err}
	}()
	half := len(blockBody) / 2
	if _, err := pw.Write(blockBody[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the handler is reading the body
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		stopped <- a.Shutdown(ctx)
	}()
	// New connections are refused while the request in flight goes on.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", a.IngestionAddr().String(), time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the stopping node still accepts connections after 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-stopped:
		t.Fatalf("Shutdown returned (%v) before the request in flight ended", err)
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := pw.Write(blockBody[half:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if r := <-inFlight; r.err != nil || r.code != http.StatusOK {
		t.Fatalf("request in flight during shutdown: %d %v, want 200", r.code, r.err)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("shutdown: %v", err)
	}

	// The block acknowledged during the drain is in the catalog.
	b := startNode(t, Config{DataDir: dir, Roles: Ingestion})
	blocks, err := b.catalog.ListBlocks(context.Background(), catalog.BlockFilter{StreamID: string(s.Info.StreamID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 1 || blocks[0].BlockID != string(block.BlockID) {
		t.Errorf("blocks after the drain = %+v, want block %s", blocks, block.BlockID)
	}
}
