package flightsql

import (
	"context"
	"log/slog"
	"runtime/debug"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// healthPrefix starts the method names of the gRPC health service, which
// must answer without authentication.
const healthPrefix = "/grpc.health.v1.Health/"

func isHealth(fullMethod string) bool { return strings.HasPrefix(fullMethod, healthPrefix) }

// unaryChain returns the user interceptors, skipped for health checks,
// followed by panic recovery.
func unaryChain(logger *slog.Logger, user []grpc.UnaryServerInterceptor) []grpc.UnaryServerInterceptor {
	chain := make([]grpc.UnaryServerInterceptor, 0, len(user)+1)
	for _, ic := range user {
		chain = append(chain, func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			if isHealth(info.FullMethod) {
				return h(ctx, req)
			}
			return ic(ctx, req, info, h)
		})
	}
	return append(chain, func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
		defer recoverCall(logger, info.FullMethod, &err)
		return h(ctx, req)
	})
}

// streamChain is unaryChain for streaming calls.
func streamChain(logger *slog.Logger, user []grpc.StreamServerInterceptor) []grpc.StreamServerInterceptor {
	chain := make([]grpc.StreamServerInterceptor, 0, len(user)+1)
	for _, ic := range user {
		chain = append(chain, func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			if isHealth(info.FullMethod) {
				return h(srv, ss)
			}
			return ic(srv, ss, info, h)
		})
	}
	return append(chain, func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
		defer recoverCall(logger, info.FullMethod, &err)
		return h(srv, ss)
	})
}

// recoverCall turns a panic in a handler into an Internal error, so that
// one bad query cannot bring the server down.
func recoverCall(logger *slog.Logger, method string, err *error) {
	if v := recover(); v != nil {
		logger.Error("panic in flightsql handler", "method", method, "panic", v, "stack", string(debug.Stack()))
		*err = status.Errorf(codes.Internal, "internal error in %s: %v (see the server log)", method, v)
	}
}
