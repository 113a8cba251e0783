package auth

import (
	"context"
	"errors"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// grpcHealthPrefix starts the methods of the gRPC health service, which
// stay open (load balancers probe them).
const grpcHealthPrefix = "/grpc.health.v1.Health/"

// UnaryInterceptor authenticates every unary call but those of the gRPC
// health service and checks the scope required, as Middleware does for
// HTTP: Unauthenticated, PermissionDenied or Unavailable with a one-line
// reason, else the call runs with the identity in its context.
func (a *Authenticator) UnaryInterceptor(required Scope) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		if strings.HasPrefix(info.FullMethod, grpcHealthPrefix) {
			return h(ctx, req)
		}
		ctx, err := a.grpcContext(ctx, info.FullMethod, required)
		if err != nil {
			return nil, err
		}
		return h(ctx, req)
	}
}

// StreamInterceptor is UnaryInterceptor for streaming calls.
func (a *Authenticator) StreamInterceptor(required Scope) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		if strings.HasPrefix(info.FullMethod, grpcHealthPrefix) {
			return h(srv, ss)
		}
		ctx, err := a.grpcContext(ss.Context(), info.FullMethod, required)
		if err != nil {
			return err
		}
		return h(srv, &identityStream{ServerStream: ss, ctx: ctx})
	}
}

// ServerOptions are the options that put the interceptors on a new gRPC
// server, for servers that have no interceptor list of their own (an
// OTLP gRPC receiver): grpc.NewServer(a.ServerOptions(auth.ScopeIngest)...).
func (a *Authenticator) ServerOptions(required Scope) []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(a.UnaryInterceptor(required)),
		grpc.ChainStreamInterceptor(a.StreamInterceptor(required)),
	}
}

func (a *Authenticator) grpcContext(ctx context.Context, method string, required Scope) (context.Context, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	header := func(name string) string {
		if v := md.Get(name); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	id, err := a.authorize(ctx, required, header)
	if err != nil {
		code := codes.Unauthenticated
		switch {
		case errors.Is(err, ErrForbidden):
			code = codes.PermissionDenied
		case errors.Is(err, ErrUnavailable):
			code = codes.Unavailable
		}
		remote := ""
		if p, ok := peer.FromContext(ctx); ok {
			remote = p.Addr.String()
		}
		msg := reason(err)
		a.log.Info("call refused", "code", code.String(), "method", method, "remote", remote, "reason", msg)
		return nil, status.Error(code, msg)
	}
	return WithIdentity(ctx, id, attribution(header)...), nil
}

// identityStream is a server stream whose context carries the identity.
type identityStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *identityStream) Context() context.Context { return s.ctx }
