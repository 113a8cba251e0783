package client

import (
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// UnreachableError is the error of a call that could not reach the
// analytics service (gRPC status Unavailable: nothing listens at the
// address, the connection was refused or lost). status.Code still reports
// codes.Unavailable for it.
type UnreachableError struct {
	// Addr is the address the client tried, as given to Dial.
	Addr string
	// Err is the gRPC error.
	Err error
}

// Error names the address tried and the cause.
func (e *UnreachableError) Error() string {
	return fmt.Sprintf("analytics service at %s is unreachable: %v", e.Addr, e.Err)
}

// Unwrap returns the gRPC error.
func (e *UnreachableError) Unwrap() error { return e.Err }

// callError returns err, as an *UnreachableError when the service could
// not be reached at addr.
func callError(addr string, err error) error {
	if err != nil && status.Code(err) == codes.Unavailable {
		return &UnreachableError{Addr: addr, Err: err}
	}
	return err
}
