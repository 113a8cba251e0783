package telemetry

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"
)

// panicSite records the panics caught by FlushOnPanic.
var panicSite = NewLogSite(LevelFatal, "panic", "panic")

// FlushOnPanic records a panic of the calling goroutine as a fatal log
// entry (target "panic", the panic value and the goroutine's stack),
// flushes telemetry for at most timeout so that the entry and everything
// recorded before it reach the server, then panics again with the same
// value. Defer it at the top of main and of long-lived goroutines:
//
//	defer telemetry.FlushOnPanic(5 * time.Second)
//
// It does nothing when the goroutine is not panicking.
func FlushOnPanic(timeout time.Duration) {
	v := recover()
	if v == nil {
		return
	}
	panicSite.LogString(fmt.Sprintf("panic: %v\n\n%s", v, debug.Stack()))
	if sys := active.Load(); sys != nil {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		_ = (&Guard{sys: sys}).Flush(ctx) // best effort: the panic goes on
		cancel()
	}
	panic(v)
}
