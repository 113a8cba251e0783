// Package httpserve runs an http.Server in the background with the
// lifecycle every role of a Micromegas server follows: Start returns once
// the listener is bound (so port 0 can be read back with Addr), Shutdown
// drains requests until its context ends, then cancels the rest.
package httpserve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
)

// Server is a background HTTP server.
type Server struct {
	name string
	addr string
	http *http.Server
	log  *slog.Logger

	mu  sync.Mutex
	lis net.Listener
}

// New returns a server that will serve srv on addr. name prefixes errors
// and log lines ("ingest", "web").
func New(name, addr string, srv *http.Server, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{name: name, addr: addr, http: srv, log: log}
}

// Start listens on the address and serves in the background, over TLS
// when the http.Server has a TLSConfig.
func (s *Server) Start(ctx context.Context) error {
	var lc net.ListenConfig
	lis, err := lc.Listen(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("%s: listen on %s: %w", s.name, s.addr, err)
	}
	s.mu.Lock()
	s.lis = lis
	s.mu.Unlock()
	if s.http.TLSConfig != nil {
		lis = tls.NewListener(lis, s.http.TLSConfig)
	}
	go func() {
		if err := s.http.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("server stopped", "server", s.name, "err", err)
		}
	}()
	return nil
}

// Addr is the address the server listens on, nil before Start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lis == nil {
		return nil
	}
	return s.lis.Addr()
}

// Shutdown stops accepting requests and waits for those in flight until
// ctx ends, then cancels them. It is safe without Start and idempotent.
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.http.Shutdown(ctx); err != nil {
		s.http.Close() // cancels the requests still running
		return fmt.Errorf("%s: shutdown: %w", s.name, err)
	}
	return nil
}
