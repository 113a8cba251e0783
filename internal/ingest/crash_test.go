package ingest

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/blobstore/s3test"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/catalog/postgres/pgtest"
	"github.com/micromegas-go/micromegas/internal/ingest/workload"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// child is an ingestion server running in another process (this test
// binary, re-executed), so that it can be killed with SIGKILL.
type child struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{}
}

func startChild(t *testing.T, catalogConn, objects string) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), envChildCatalog+"="+catalogConn, envChildObjects+"="+objects)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = childProcAttr()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "addr="); ok {
				lines <- a
			}
		}
		io.Copy(io.Discard, out)
	}()
	go func() { cmd.Wait(); close(c.done) }()
	t.Cleanup(c.kill)
	select {
	case c.addr = <-lines:
		return c
	case <-c.done:
		t.Fatalf("child server exited before listening")
	case <-time.After(30 * time.Second):
		t.Fatalf("child server did not listen within 30 s")
	}
	return nil
}

// kill sends SIGKILL: no shutdown, requests in flight are cut.
func (c *child) kill() {
	c.cmd.Process.Kill()
	<-c.done
}

// loadClient plays one instrumented process: it sends its process and
// streams, then blocks, each retried until acknowledged, as the telemetry
// sink does.
type loadClient struct {
	addr   *atomic.Pointer[string]
	http   *http.Client
	p      *workload.Process
	acked  []string // block ids, in order
	errors atomic.Int64
}

// send posts body until a 200; it fails on a 4xx, which no retry fixes.
func (lc *loadClient) send(t *testing.T, path string, body []byte) {
	for {
		resp, err := lc.http.Post("http://"+*lc.addr.Load()+path, "application/cbor", bytes.NewReader(body))
		if err == nil {
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			if resp.StatusCode < 500 {
				t.Errorf("POST %s: %d %s", path, resp.StatusCode, msg)
				return
			}
		}
		lc.errors.Add(1)
		time.Sleep(20 * time.Millisecond)
	}
}

func (lc *loadClient) run(t *testing.T, ctx context.Context, total *atomic.Int64) {
	bodies := [][]byte{}
	body, err := lc.p.ProcessBody()
	bodies = append(bodies, body)
	for _, s := range lc.p.Streams {
		if err == nil {
			body, err = s.Body()
			bodies = append(bodies, body)
		}
	}
	if err != nil {
		t.Error(err) // not Fatal: this is not the test goroutine
		return
	}
	lc.send(t, "/ingestion/insert_process", bodies[0])
	for _, b := range bodies[1:] {
		lc.send(t, "/ingestion/insert_stream", b)
	}
	for i := 0; ctx.Err() == nil; i++ {
		b, err := lc.p.NextBlock(lc.p.Streams[i%len(lc.p.Streams)], 200)
		if err != nil {
			t.Error(err)
			return
		}
		body, err := transit.Encode(b)
		if err != nil {
			t.Error(err)
			return
		}
		lc.send(t, "/ingestion/insert_block", body)
		lc.acked = append(lc.acked, string(b.BlockID))
		total.Add(1)
	}
}

// TestServerKilledDuringLoad kills the server twice (SIGKILL) while
// clients send blocks, restarts it on the same stores, and checks that
// every acknowledged block is in the catalog and the object store exactly
// once after the clients' retries.
func TestServerKilledDuringLoad(t *testing.T) {
	srv := s3test.StartServer(t)
	dir := t.TempDir()
	for _, tc := range []struct{ name, catalog, objects string }{
		{"sqlite+file", filepath.Join(dir, "catalog.db"), "file://" + filepath.Join(dir, "objects")},
		{"postgres+s3", pgtest.NewDatabase(t), srv.NewBucket(t)},
	} {
		t.Run(tc.name, func(t *testing.T) { testKilledDuringLoad(t, tc.catalog, tc.objects) })
	}
}

func testKilledDuringLoad(t *testing.T, catalogConn, objects string) {
	srv := startChild(t, catalogConn, objects)
	var addr atomic.Pointer[string]
	addr.Store(&srv.addr)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var total atomic.Int64
	var clients []*loadClient
	var wg sync.WaitGroup
	for i := range 4 {
		lc := &loadClient{addr: &addr, http: &http.Client{Timeout: 30 * time.Second},
			p: workload.NewProcess(uint64(100+i), testStart)}
		clients = append(clients, lc)
		wg.Go(func() { lc.run(t, ctx, &total) })
	}
	waitFor := func(n int64) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for total.Load() < n {
			if time.Now().After(deadline) || t.Failed() {
				cancel()
				wg.Wait()
				t.Fatalf("only %d blocks acknowledged, want %d", total.Load(), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	for _, n := range []int64{40, 120} {
		waitFor(n)
		srv.kill()
		time.Sleep(100 * time.Millisecond) // clients hit a dead port
		srv = startChild(t, catalogConn, objects)
		addr.Store(&srv.addr)
	}
	waitFor(200)
	cancel() // clients finish the block in hand
	wg.Wait()

	var errs int64
	acked := map[string]bool{}
	for _, lc := range clients {
		errs += lc.errors.Load()
		for _, id := range lc.acked {
			acked[id] = true
		}
	}
	if errs == 0 {
		t.Errorf("no request failed: the kills did not interrupt the load")
	}
	srv.kill()
	checkStored(t, catalogConn, objects, acked, len(clients))
	t.Logf("%d blocks acknowledged, %d failed attempts retried across 2 kills", len(acked), errs)
}

// checkStored opens the stores the child used and compares them with the
// acknowledged blocks: every one present once, and nothing else (every
// block sent was retried until acknowledged).
func checkStored(t *testing.T, catalogConn, objects string, acked map[string]bool, processes int) {
	t.Helper()
	var c catalog.Store
	if strings.HasPrefix(catalogConn, "postgres://") {
		c = openPostgres(t, catalogConn)
	} else {
		c = openSQLite(t, catalogConn)
	}
	s := openBlobs(t, objects)
	rows, err := c.ListBlocks(t.Context(), catalog.BlockFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range rows {
		seen[r.BlockID]++
		if seen[r.BlockID] == 2 {
			t.Errorf("block %s has several catalog rows", r.BlockID)
		}
		if !acked[r.BlockID] {
			t.Errorf("block %s is stored but was never acknowledged", r.BlockID)
		}
		size, err := s.Size(t.Context(), blobstore.BlockKey(r.ProcessID, r.StreamID, r.BlockID))
		if err != nil || size != r.PayloadSize {
			t.Errorf("object of block %s: %d bytes, %v; want %d", r.BlockID, size, err, r.PayloadSize)
		}
	}
	for id := range acked {
		if seen[id] == 0 {
			t.Errorf("acknowledged block %s is missing from the catalog", id)
		}
	}
	if keys := objectKeys(t, s, "blobs/"); len(keys) != len(acked) {
		t.Errorf("%d objects for %d acknowledged blocks", len(keys), len(acked))
	}
	procs, err := c.ListProcesses(t.Context())
	if err != nil || len(procs) != processes {
		t.Errorf("%d processes (%v), want %d", len(procs), err, processes)
	}
}
