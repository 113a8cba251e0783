package sink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// server counts the bodies it accepts per route; status, when set, may
// refuse a request.
type server struct {
	mu       sync.Mutex
	received map[string][][]byte
	status   func(path string, n int) int // n: requests seen on path
	seen     map[string]int
}

func newServer() *server {
	return &server{received: map[string][][]byte{}, seen: map[string]int{}}
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.seen[r.URL.Path]++
	n := s.seen[r.URL.Path]
	status := 0
	if s.status != nil {
		status = s.status(r.URL.Path, n)
	}
	if status == 0 {
		s.received[r.URL.Path] = append(s.received[r.URL.Path], body)
	}
	s.mu.Unlock()
	if status != 0 {
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		http.Error(w, "busy", status)
	}
}

func (s *server) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.received[path])
}

func newSink(t *testing.T, opts Options) *Sink {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func closeSink(t *testing.T, s *Sink, d time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return s.Close(ctx)
}

const blockPath = "/ingestion/insert_block"

// TestServerDown: nothing listens. Memory stays under the budget, blocks
// are dropped and counted, metadata is kept, Close honours its deadline
// and leaves no goroutine behind.
func TestServerDown(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	const budget = 64 << 10
	s := newSink(t, Options{URL: "http://" + addr, MaxQueuedBytes: budget, InitialBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	if !s.Enqueue(KindProcess, make([]byte, 2*budget)) {
		t.Fatal("a process message was refused")
	}
	body := make([]byte, 4<<10)
	accepted := 0
	for range 1000 {
		if s.Enqueue(KindBlock, body) {
			accepted++
		}
		if st := s.Stats(); st.QueuedBytes > budget+2*budget {
			t.Fatalf("%d bytes queued, budget %d (+ the process message)", st.QueuedBytes, budget)
		}
	}
	start := time.Now()
	if err := closeSink(t, s, 200*time.Millisecond); err == nil {
		t.Error("Close reported success although nothing was delivered")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v with a 200 ms deadline", d)
	}
	st := s.Stats()
	if st.Sent != 0 || st.Dropped == 0 || st.Dropped+st.Failed != 1001 || st.QueuedBytes != 0 {
		t.Errorf("stats %+v: want every message dropped or failed (accepted %d)", st, accepted)
	}
}

// TestRetryBusyServer: 429 then 503 then success, for every block.
func TestRetryBusyServer(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := newServer()
	var refused atomic.Int64
	srv.status = func(path string, n int) int {
		if path != blockPath {
			return 0
		}
		switch n % 3 {
		case 1:
			refused.Add(1)
			return http.StatusTooManyRequests
		case 2:
			refused.Add(1)
			return http.StatusServiceUnavailable
		}
		return 0
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	s := newSink(t, Options{URL: hs.URL, Workers: 1, InitialBackoff: time.Millisecond})
	const n = 20
	for range n {
		s.Enqueue(KindBlock, []byte("block"))
	}
	if err := closeSink(t, s, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if got := srv.count(blockPath); got != n || st.Sent != n || st.Failed != 0 || st.Retries < uint64(refused.Load()) {
		t.Errorf("server got %d blocks, stats %+v, %d refusals", got, st, refused.Load())
	}
}

// TestPermanentErrorNotRetried: a 400 is not retried.
func TestPermanentErrorNotRetried(t *testing.T) {
	srv := newServer()
	srv.status = func(string, int) int { return http.StatusBadRequest }
	hs := httptest.NewServer(srv)
	defer hs.Close()
	var reported atomic.Int64
	s := newSink(t, Options{URL: hs.URL, OnError: func(Kind, error) { reported.Add(1) }})
	s.Enqueue(KindBlock, []byte("bad"))
	closeSink(t, s, 5*time.Second)
	if st := s.Stats(); st.Failed != 1 || st.Retries != 0 || reported.Load() != 1 {
		t.Errorf("stats %+v, %d reported", st, reported.Load())
	}
}

// TestUnauthorizedNotRetried: 401 and 403 answers, and credentials the
// decorator cannot get, fail the message at once (process messages too,
// which are otherwise retried until Close) and are counted.
func TestUnauthorizedNotRetried(t *testing.T) {
	for _, c := range []struct {
		name     string
		status   int
		decorate func(*http.Request) error
	}{
		{"401", http.StatusUnauthorized, nil},
		{"403", http.StatusForbidden, nil},
		{"no token", http.StatusOK, func(*http.Request) error { return fmt.Errorf("%w: invalid_client", ErrUnauthorized) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer()
			srv.status = func(string, int) int { return c.status }
			hs := httptest.NewServer(srv)
			defer hs.Close()
			var reported atomic.Int64
			s := newSink(t, Options{URL: hs.URL, Decorate: c.decorate, OnError: func(_ Kind, err error) {
				if errors.Is(err, ErrUnauthorized) {
					reported.Add(1)
				}
			}})
			s.Enqueue(KindProcess, []byte("process"))
			s.Enqueue(KindBlock, []byte("block"))
			closeSink(t, s, 5*time.Second)
			if st := s.Stats(); st.Failed != 2 || st.Unauthorized != 2 || st.Retries != 0 || st.Sent != 0 || reported.Load() != 2 {
				t.Errorf("stats %+v, %d reported", st, reported.Load())
			}
		})
	}
}

// TestServerRestart: the server goes away mid-run and comes back on the
// same address; everything is delivered.
func TestServerRestart(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := newServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	s := newSink(t, Options{URL: "http://" + addr, InitialBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, MaxAttempts: 100})
	s.Enqueue(KindProcess, []byte("process"))
	for range 5 {
		s.Enqueue(KindBlock, []byte("before"))
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	hs.Close() // down
	for range 5 {
		s.Enqueue(KindBlock, []byte("during"))
	}
	time.Sleep(150 * time.Millisecond) // some attempts fail
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	hs2 := &http.Server{Handler: srv}
	go hs2.Serve(ln2)
	defer hs2.Close()
	if err := closeSink(t, s, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if got := srv.count(blockPath); got != 10 || st.Failed != 0 || st.Retries == 0 {
		t.Errorf("server got %d blocks, stats %+v", got, st)
	}
}

// TestCloseFlushes: Close waits for a slow server to take every message
// queued before it.
func TestCloseFlushes(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := newServer()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		srv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	s := newSink(t, Options{URL: hs.URL, Workers: 4})
	const n = 40
	for range n {
		s.Enqueue(KindBlock, []byte("b"))
	}
	if err := closeSink(t, s, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := srv.count(blockPath); got != n {
		t.Fatalf("server got %d blocks, want %d", got, n)
	}
	if s.Enqueue(KindBlock, []byte("late")) {
		t.Error("a closed sink accepted a block")
	}
}

// TestCloseAbortsHungRequest: a server that never answers does not hold
// Close past its deadline.
func TestCloseAbortsHungRequest(t *testing.T) {
	release := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hs.Close()
	defer close(release)
	s := newSink(t, Options{URL: hs.URL})
	s.Enqueue(KindBlock, []byte("b"))
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	closeSink(t, s, 100*time.Millisecond)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v with a 100 ms deadline", d)
	}
	if st := s.Stats(); st.Failed+st.Dropped != 1 {
		t.Errorf("stats %+v: the block should be counted as failed", st)
	}
}
