package flightsql

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// DefaultAddr is the listen address when Options.Addr is empty.
const DefaultAddr = "127.0.0.1:50051"

// DefaultMaxMessageSize is the gRPC message size limit when
// Options.MaxMessageSize is zero: 100 MiB, as the original server.
const DefaultMaxMessageSize = 100 << 20

// Options configures a Server.
type Options struct {
	// Addr is the TCP address to listen on; DefaultAddr when empty. Port 0
	// picks a free port (see Server.Addr).
	Addr string
	// Querier runs the SQL. Required.
	Querier Querier
	// Logger receives one line per query, at Debug level, or Warn when the
	// query failed for another reason than the client giving up;
	// slog.Default() when nil.
	Logger *slog.Logger
	// Dialect lists the keywords and functions of the engine's SQL that
	// GetSqlInfo reports; empty lists when zero.
	Dialect Dialect
	// UnaryInterceptors and StreamInterceptors run, in order, before every
	// call except those of the gRPC health service: they are where
	// authentication plugs in.
	UnaryInterceptors  []grpc.UnaryServerInterceptor
	StreamInterceptors []grpc.StreamServerInterceptor
	// MaxMessageSize bounds received and sent gRPC messages;
	// DefaultMaxMessageSize when zero.
	MaxMessageSize int
	// TLS, when not nil, serves gRPC over TLS with this configuration.
	TLS *tls.Config
	// Actions are custom DoAction types answered beside the Flight SQL
	// ones, by name.
	Actions map[string]Action
}

// Server is a Flight SQL server. Create it with New, then Start and
// Shutdown it.
type Server struct {
	addr   string
	logger *slog.Logger
	grpc   *grpc.Server
	health *health.Server

	mu       sync.Mutex
	lis      net.Listener
	served   chan struct{} // closed when Serve returns; nil before Start
	stopping bool
	stopped  chan struct{} // closed when Shutdown has finished
}

// New builds a server from opts. It does not listen yet.
func New(opts Options) (*Server, error) {
	if opts.Querier == nil {
		return nil, errors.New("flightsql: Options.Querier is required")
	}
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxMessageSize == 0 {
		opts.MaxMessageSize = DefaultMaxMessageSize
	}
	if opts.MaxMessageSize < 0 {
		return nil, fmt.Errorf("flightsql: Options.MaxMessageSize is negative (%d)", opts.MaxMessageSize)
	}
	svc := &service{querier: opts.Querier, logger: opts.Logger, alloc: memory.DefaultAllocator}
	svc.Alloc = svc.alloc
	if err := svc.registerSQLInfo(opts.Dialect); err != nil {
		return nil, fmt.Errorf("flightsql: %w", err)
	}

	serverOpts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(opts.MaxMessageSize),
		grpc.MaxSendMsgSize(opts.MaxMessageSize),
		// Shutdown returns only once every handler, and so every query
		// reader, is done.
		grpc.WaitForHandlers(true),
		grpc.ChainUnaryInterceptor(unaryChain(opts.Logger, opts.UnaryInterceptors)...),
		grpc.ChainStreamInterceptor(streamChain(opts.Logger, opts.StreamInterceptors)...),
	}
	if opts.TLS != nil {
		serverOpts = append(serverOpts, grpc.Creds(credentials.NewTLS(opts.TLS)))
	}
	g := grpc.NewServer(serverOpts...)
	var fs flight.FlightServer = flightsql.NewFlightServer(svc)
	if len(opts.Actions) > 0 {
		fs = actionServer{FlightServer: fs, actions: opts.Actions}
	}
	flight.RegisterFlightServiceServer(g, fs)
	h := health.NewServer()
	h.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(g, h)

	return &Server{
		addr:    opts.Addr,
		logger:  opts.Logger,
		grpc:    g,
		health:  h,
		stopped: make(chan struct{}),
	}, nil
}

// Start listens on the configured address and serves in a goroutine. It
// returns once the listener is bound, so Addr is valid afterwards.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return errors.New("flightsql: server is shut down")
	}
	if s.served != nil {
		return errors.New("flightsql: server already started")
	}
	var lc net.ListenConfig
	lis, err := lc.Listen(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("flightsql: listen on %s: %w", s.addr, err)
	}
	s.lis = lis
	s.served = make(chan struct{})
	go func() {
		defer close(s.served)
		if err := s.grpc.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			s.logger.Error("flightsql server stopped", "addr", lis.Addr().String(), "error", err)
		}
	}()
	s.logger.Info("flightsql server listening", "addr", lis.Addr().String())
	return nil
}

// Addr returns the address the server listens on, or nil before Start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lis == nil {
		return nil
	}
	return s.lis.Addr()
}

// Shutdown stops accepting calls and waits for running ones to finish.
// When ctx ends first, it cancels the running calls and returns ctx's
// error. It is safe to call without Start and more than once; later calls
// wait for the first to finish.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		select {
		case <-s.stopped:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("flightsql: wait for shutdown: %w", ctx.Err())
		}
	}
	s.stopping = true
	served := s.served
	s.mu.Unlock()
	defer close(s.stopped)

	s.health.Shutdown()
	graceful := make(chan struct{})
	go func() {
		defer close(graceful)
		s.grpc.GracefulStop()
	}()
	var err error
	select {
	case <-graceful:
	case <-ctx.Done():
		s.grpc.Stop()
		<-graceful
		err = fmt.Errorf("flightsql: graceful shutdown cut short: %w", ctx.Err())
	}
	if served != nil {
		<-served
	}
	return err
}
