package flightsql

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// toStatus converts an error from the engine or the stream into a gRPC
// status error. what names the failed step ("query", "list tables", ...).
func toStatus(what string, err error) error {
	if err == nil {
		return nil
	}
	if IsInvalidQuery(err) {
		if what == "query" {
			return status.Errorf(codes.InvalidArgument, "invalid query: %v", err)
		}
		return status.Errorf(codes.InvalidArgument, "%s rejected: %v", what, err)
	}
	if st, ok := status.FromError(err); ok && st.Code() != codes.Unknown {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Errorf(codes.Canceled, "%s canceled", what)
	case errors.Is(err, context.DeadlineExceeded):
		return status.Errorf(codes.DeadlineExceeded, "%s exceeded its deadline; narrow the time range or add a limit", what)
	}
	return status.Errorf(codes.Internal, "%s failed on the server: %v (check the analytics server log; retry if the error looks transient)", what, err)
}

// panicError turns a recovered panic value into an error.
func panicError(v any) error {
	return fmt.Errorf("panic: %v", v)
}
