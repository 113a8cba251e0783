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
// value. With the flight recorder on, the execution trace of the moments
// before the panic is sent too. Defer it at the top of main and of long-lived goroutines:
//
//	defer telemetry.FlushOnPanic(5 * time.Second)
//
// It does nothing when the goroutine is not panicking.
func FlushOnPanic(timeout time.Duration) {
	v := recover()
	if v == nil {
		return
	}
	sys := active.Load()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if sys != nil && sys.recorder != nil {
		// Before the fatal entry, whose own trigger is then rate-limited:
		// the snapshot says "panic".
		sys.recorder.snapshotNow(ctx, TriggerPanic, sys.stop)
	}
	panicSite.LogString(fmt.Sprintf("panic: %v\n\n%s", v, debug.Stack()))
	if sys != nil {
		_ = (&Guard{sys: sys}).Flush(ctx) // best effort: the panic goes on
	}
	panic(v)
}
