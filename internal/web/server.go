// Package web is the HTTP API of the analytics service, for curl, scripts
// and web pages:
//
//	POST /api/query        {"sql": ..., "begin"?, "end"?, "limit"?} → JSON rows,
//	                       or an Arrow IPC stream with
//	                       "Accept: application/vnd.apache.arrow.stream"
//	POST /gateway/query    {"sql": ..., "time_range_begin"?, "time_range_end"?}
//	                       → JSON rows, as the original's HTTP gateway
//	GET  /gateway/health   {"status": "healthy", "timestamp": ...}
//	GET  /api/perfetto/{process_id}?begin=&end=&spans=
//	                       → a Perfetto trace of the process's spans
//	GET  /api/notebooks[/{id}], POST, PUT, DELETE
//	                       the SQL notebooks of the web UI (notebooks.go)
//	GET  /auth/me          the identity of the request (me.go), behind
//	                       the middleware like /api/
//	/auth/login, /auth/callback, /auth/logout
//	                       the sign-in of people (Options.SignIn,
//	                       internal/websession), outside the middleware
//	GET  /health           "ok", never behind the middleware (with
//	                       Options.Health: the node's status, and /ready)
//	GET  /...              the web UI (package ui, embedded in the
//	                       binary): static files, never behind the
//	                       middleware; they hold no data
//
// Every path under /api/ and /gateway/, routes added later and unknown
// ones included, is behind Options.Middleware. The web UI reads
// everything through these routes with the credentials the browser
// carries (the session cookie of the sign-in). When the middleware
// refuses a request with 401 and a JSON body {"error": ..., "login_url":
// ...} (auth.LoginURL, set when the server signs people in), the UI shows
// the error and a sign-in link to login_url.
//
// Queries run through the same Querier as the FlightSQL server, so they
// see the same views, time range semantics and errors: a query the
// engine refuses is a 400 with its message, any other failure a 500.
package web

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/flightsql"
	"github.com/micromegas-go/micromegas/internal/httpserve"
	"github.com/micromegas-go/micromegas/ui"
)

// DefaultAddr is where the API listens unless told otherwise.
const DefaultAddr = "127.0.0.1:3000"

// DefaultMaxBodyBytes bounds request bodies: 1 MiB of SQL, as the
// original gateway, and room for the JSON around it.
const DefaultMaxBodyBytes = 1<<20 + 4<<10

// Querier runs SQL: the seam shared with the FlightSQL server.
type Querier = flightsql.Querier

// Options configures a Server.
type Options struct {
	// Addr to listen on (default DefaultAddr); port 0 picks a free port.
	Addr string
	// Querier runs the queries. Required.
	Querier Querier
	// Logger gets one line per query; nil discards.
	Logger *slog.Logger
	// Middleware wraps every route except /health (and paths no route
	// matches): it is where authentication plugs in.
	Middleware func(http.Handler) http.Handler
	// TLS, when not nil, serves HTTPS with this configuration.
	TLS *tls.Config
	// Health, when set, answers GET /health and GET /ready (a node's
	// status: internal/health) in place of the plain "ok" of /health.
	Health http.Handler
	// MaxBodyBytes bounds request bodies (default DefaultMaxBodyBytes);
	// larger ones get 413.
	MaxBodyBytes int64
	// Notebooks keeps the web UI's notebooks; nil answers 501 on
	// /api/notebooks.
	Notebooks catalog.NotebookStore
	// UI holds the web UI's files, index.html at the root; nil: the UI
	// built into the binary (ui.Assets).
	UI fs.FS
	// SignIn, when set, serves the web UI's sign-in under /auth/
	// (internal/websession: /auth/login, /auth/callback, /auth/logout),
	// outside Middleware: people reach it before they have credentials.
	SignIn http.Handler
}

// Server is the HTTP API server.
type Server struct {
	opts Options
	log  *slog.Logger
	h    http.Handler
	// Server gives Start, Addr and Shutdown.
	*httpserve.Server
}

// New validates opts and builds a server; Start listens.
func New(opts Options) (*Server, error) {
	if opts.Querier == nil {
		return nil, errors.New("web: Options.Querier is required")
	}
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.UI == nil {
		opts.UI = ui.Assets()
	}
	s := &Server{opts: opts, log: opts.Logger}
	var err error
	if s.h, err = s.handler(); err != nil {
		return nil, err
	}
	s.Server = httpserve.New("web", opts.Addr, &http.Server{
		Handler:           s.h,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         opts.TLS,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn),
	}, opts.Logger)
	return s, nil
}

// Handler returns the routes, for embedding in another server or a test.
func (s *Server) Handler() http.Handler {
	return s.h
}

func (s *Server) handler() (http.Handler, error) {
	pages, err := uiHandler(s.opts.UI)
	if err != nil {
		return nil, fmt.Errorf("web UI files: %w", err)
	}
	routes := http.NewServeMux()
	routes.HandleFunc("POST /api/query", s.apiQuery)
	routes.HandleFunc("POST /gateway/query", s.gatewayQuery)
	routes.HandleFunc("GET /gateway/health", gatewayHealth)
	routes.HandleFunc("GET /api/perfetto/{process_id}", s.perfettoTrace)
	s.notebookRoutes(routes)
	routes.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, "no such API route: "+r.URL.Path)
	})
	api := http.Handler(routes)
	if s.opts.Middleware != nil {
		api = s.opts.Middleware(routes)
	}
	me := http.Handler(http.HandlerFunc(s.authMe))
	if s.opts.Middleware != nil {
		me = s.opts.Middleware(me)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/gateway/", api)
	mux.Handle("GET /auth/me", me)
	signIn := s.opts.SignIn
	if signIn == nil {
		signIn = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSONError(w, http.StatusNotFound, "this server does not sign people in (see docs/auth.md, Signing in to the web UI): "+r.URL.Path)
		})
	}
	mux.Handle("/auth/", signIn)
	mux.Handle("/", pages)
	if s.opts.Health != nil {
		mux.Handle("GET /health", s.opts.Health)
		mux.Handle("GET /ready", s.opts.Health)
		return mux, nil
	}
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	return mux, nil
}
