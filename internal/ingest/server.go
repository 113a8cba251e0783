// Package ingest is the HTTP ingestion service: it accepts processes,
// streams and blocks in the Micromegas protocol (CBOR bodies, spec section
// 3), writes block payloads to the object store and metadata to the
// catalog.
//
// A block is acknowledged only once its object and its catalog row are both
// written; the object is written first, so an acknowledged block is never
// lost and a retry after a failure creates no duplicate (inserts are
// idempotent, object writes create-only).
package ingest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/httpserve"
)

// DefaultAddr is where the service listens unless told otherwise.
const DefaultAddr = "127.0.0.1:9000"

// DefaultMaxBodyBytes is the largest accepted request body (413 beyond), as
// the original.
const DefaultMaxBodyBytes = 100 << 20

// Options configures a Server.
type Options struct {
	// Addr to listen on; port 0 picks a free port (see Server.Addr).
	Addr string
	// Catalog receives the rows of processes, streams and blocks.
	Catalog catalog.Store
	// Blobs receives the block payloads, before their catalog rows.
	Blobs *blobstore.Store
	// Logger gets one warning per failed request (never request bodies
	// or credentials); nil discards.
	Logger *slog.Logger
	// Middleware wraps every route but /health and /ready (and paths no
	// route matches), Routes included: it is where authentication plugs in.
	Middleware func(http.Handler) http.Handler
	// Routes are more ingestion routes by ServeMux pattern (the OTLP
	// receiver's "POST /v1/logs" and the like), served behind Middleware.
	Routes map[string]http.Handler
	// TLS, when not nil, serves HTTPS with this configuration.
	TLS *tls.Config
	// MaxBodyBytes is the largest accepted body (default
	// DefaultMaxBodyBytes); larger ones get 413.
	MaxBodyBytes int64
	// Health, when set, answers GET /health and GET /ready in place of
	// the service's own probes (a node's status: internal/health).
	Health http.Handler
	// ReadTimeout bounds the time to receive one request, body included
	// (default DefaultReadTimeout), so that stalled clients do not hold
	// connections and memory forever.
	ReadTimeout time.Duration
}

// DefaultReadTimeout is the time a client has to send one request: a
// 100 MiB body at 1 MB/s.
const DefaultReadTimeout = 2 * time.Minute

// Server is the ingestion HTTP server.
type Server struct {
	opts Options
	log  *slog.Logger
	// Server gives Start, Addr and Shutdown.
	*httpserve.Server
}

// New validates opts and builds a server; Start listens.
func New(opts Options) (*Server, error) {
	if opts.Catalog == nil || opts.Blobs == nil {
		return nil, errors.New("ingest: a catalog and an object store are required")
	}
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = DefaultReadTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: opts, log: opts.Logger}
	s.Server = httpserve.New("ingest", opts.Addr, &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         opts.TLS,
		ReadTimeout:       opts.ReadTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn),
	}, opts.Logger)
	return s, nil
}

// Handler returns the routes, for embedding in another server or a test.
// Every route but /health and /ready, including those added later and
// unknown paths, is behind Options.Middleware.
func (s *Server) Handler() http.Handler {
	routes := http.NewServeMux()
	routes.Handle("POST /ingestion/insert_process", s.route(s.insertProcess))
	routes.Handle("POST /ingestion/insert_stream", s.route(s.insertStream))
	routes.Handle("POST /ingestion/insert_block", s.route(s.insertBlock))
	for pattern, h := range s.opts.Routes {
		routes.Handle(pattern, h)
	}
	mux := http.NewServeMux()
	if s.opts.Middleware != nil {
		mux.Handle("/", s.opts.Middleware(routes))
	} else {
		mux.Handle("/", routes)
	}
	if s.opts.Health != nil {
		mux.Handle("GET /health", s.opts.Health)
		mux.Handle("GET /ready", s.opts.Health)
		return mux
	}
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /ready", s.ready)
	return mux
}

// ready answers 200 when both stores answer, else 503 naming the store
// that does not; the details go to the log, since /ready is public.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := s.opts.Catalog.Ping(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		http.Error(w, "catalog not ready", http.StatusServiceUnavailable)
		return
	}
	if err := s.opts.Blobs.Ping(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		http.Error(w, "object store not ready", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}
