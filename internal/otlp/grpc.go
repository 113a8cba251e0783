package otlp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"slices"
	"sync"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// DefaultGRPCAddr is where the OTLP/gRPC server listens unless told
// otherwise: the OTLP port, on the loopback interface.
const DefaultGRPCAddr = "127.0.0.1:4317"

// GRPCOptions configures a GRPCServer.
type GRPCOptions struct {
	// Addr is the TCP address to listen on (DefaultGRPCAddr when empty);
	// port 0 picks a free port (see GRPCServer.Addr).
	Addr string
	// UnaryInterceptors run, in order, before every export: they are
	// where authentication plugs in.
	UnaryInterceptors []grpc.UnaryServerInterceptor
	// MaxMessageSize bounds received messages (default
	// DefaultMaxBodyBytes).
	MaxMessageSize int
	// TLS, when not nil, serves gRPC over TLS with this configuration.
	TLS *tls.Config
	// Logger gets the server's errors; nil discards.
	Logger *slog.Logger
}

// GRPCServer serves the OTLP/gRPC logs, metrics and trace services of a
// Receiver.
type GRPCServer struct {
	addr string
	log  *slog.Logger
	grpc *grpc.Server

	mu     sync.Mutex
	lis    net.Listener
	served chan struct{} // closed when Serve returns; nil before Start
}

// NewGRPCServer builds the OTLP/gRPC server of r; Start listens.
func NewGRPCServer(r *Receiver, opts GRPCOptions) *GRPCServer {
	if opts.Addr == "" {
		opts.Addr = DefaultGRPCAddr
	}
	if opts.MaxMessageSize <= 0 {
		opts.MaxMessageSize = DefaultMaxBodyBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	recovery := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if v := recover(); v != nil {
				opts.Logger.Error("panic in an OTLP export", "method", info.FullMethod, "panic", v, "stack", string(debug.Stack()))
				err = status.Errorf(codes.Internal, "internal error in %s (see the server log)", info.FullMethod)
			}
		}()
		return h(ctx, req)
	}
	serverOpts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(opts.MaxMessageSize),
		grpc.WaitForHandlers(true),
		// The user's interceptors first (authentication), then panic
		// recovery: one bad request cannot bring the server down.
		grpc.ChainUnaryInterceptor(append(slices.Clone(opts.UnaryInterceptors), recovery)...),
	}
	if opts.TLS != nil {
		serverOpts = append(serverOpts, grpc.Creds(credentials.NewTLS(opts.TLS)))
	}
	g := grpc.NewServer(serverOpts...)
	plogotlp.RegisterGRPCServer(g, &logsService{r: r})
	pmetricotlp.RegisterGRPCServer(g, &metricsService{r: r})
	ptraceotlp.RegisterGRPCServer(g, &traceService{r: r})
	return &GRPCServer{addr: opts.Addr, log: opts.Logger, grpc: g}
}

// Start listens and serves in the background; Addr is valid once it
// returns.
func (s *GRPCServer) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.served != nil {
		return errors.New("otlp grpc: already started")
	}
	var lc net.ListenConfig
	lis, err := lc.Listen(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("otlp grpc: listen on %s: %w", s.addr, err)
	}
	s.lis, s.served = lis, make(chan struct{})
	go func() {
		defer close(s.served)
		if err := s.grpc.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			s.log.Error("otlp grpc server stopped", "addr", lis.Addr().String(), "err", err)
		}
	}()
	return nil
}

// Addr is the address the server listens on, nil before Start.
func (s *GRPCServer) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lis == nil {
		return nil
	}
	return s.lis.Addr()
}

// Shutdown stops accepting calls and waits for the running ones until
// ctx ends, then cancels them. It is safe without Start and idempotent.
func (s *GRPCServer) Shutdown(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.grpc.Stop()
		<-done
		return fmt.Errorf("otlp grpc: shutdown: %w", ctx.Err())
	}
}

// grpcError turns an export error into a gRPC status; Unavailable
// carries a RetryInfo, as the OTLP specification asks.
func (r *Receiver) grpcError(method string, err error) error {
	_, code, msg := classify(err)
	r.log.Warn("OTLP gRPC export failed", "method", method, "code", code, "err", err)
	st := status.New(code, msg)
	if code == codes.Unavailable {
		if d, derr := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(retryAfter)}); derr == nil {
			st = d
		}
	}
	return st.Err()
}

type logsService struct {
	plogotlp.UnimplementedGRPCServer
	r *Receiver
}

func (s *logsService) Export(ctx context.Context, req plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	resp := plogotlp.NewExportResponse()
	rej, err := s.r.exportLogs(ctx, req, nil)
	if err != nil {
		return resp, s.r.grpcError("logs", err)
	}
	if rej.n > 0 {
		resp.PartialSuccess().SetRejectedLogRecords(rej.n)
		resp.PartialSuccess().SetErrorMessage(rej.message(Logs))
	}
	return resp, nil
}

type metricsService struct {
	pmetricotlp.UnimplementedGRPCServer
	r *Receiver
}

func (s *metricsService) Export(ctx context.Context, req pmetricotlp.ExportRequest) (pmetricotlp.ExportResponse, error) {
	resp := pmetricotlp.NewExportResponse()
	rej, err := s.r.exportMetrics(ctx, req, nil)
	if err != nil {
		return resp, s.r.grpcError("metrics", err)
	}
	if rej.n > 0 {
		resp.PartialSuccess().SetRejectedDataPoints(rej.n)
		resp.PartialSuccess().SetErrorMessage(rej.message(Metrics))
	}
	return resp, nil
}

type traceService struct {
	ptraceotlp.UnimplementedGRPCServer
	r *Receiver
}

func (s *traceService) Export(ctx context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	resp := ptraceotlp.NewExportResponse()
	rej, err := s.r.exportTraces(ctx, req, nil)
	if err != nil {
		return resp, s.r.grpcError("traces", err)
	}
	if rej.n > 0 {
		resp.PartialSuccess().SetRejectedSpans(rej.n)
		resp.PartialSuccess().SetErrorMessage(rej.message(Traces))
	}
	return resp, nil
}
