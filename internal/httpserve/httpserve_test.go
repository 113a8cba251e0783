package httpserve

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestLifecycle(t *testing.T) {
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	s := New("test", "127.0.0.1:0", &http.Server{Handler: mux}, nil)
	if s.Addr() != nil {
		t.Fatal("an address before Start")
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown before start: %v", err)
	}
	s = New("test", "127.0.0.1:0", &http.Server{Handler: mux}, nil)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr().String()
	if strings.HasSuffix(addr, ":0") {
		t.Fatalf("port 0 not resolved: %s", addr)
	}
	resp, err := http.Get("http://" + addr + "/ok")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	// A request still running when the deadline passes is cancelled.
	done := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); err == nil || !strings.Contains(err.Error(), "test: shutdown") {
		t.Fatalf("want a deadline error naming the server, got %v", err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the slow request was not cancelled")
	}
	close(release)
	if err := s.Start(context.Background()); err != nil {
		t.Logf("restart after shutdown: %v", err)
	}
	if _, err := http.Get("http://" + addr + "/ok"); err == nil {
		t.Fatal("still serving after Shutdown")
	}
}

func TestListenError(t *testing.T) {
	s := New("ingest", "256.0.0.1:1", &http.Server{}, nil)
	if err := s.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "ingest: listen on 256.0.0.1:1") {
		t.Fatalf("want an error naming the server and address, got %v", err)
	}
}
