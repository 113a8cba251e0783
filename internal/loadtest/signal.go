package loadtest

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// signalContext is canceled by SIGTERM or SIGINT.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
