package telemetry

import (
	"time"
)

// The tick clock. Event times are absolute ticks; the process records its
// start ticks and the tick frequency so the analytics can convert them to
// wall-clock time (spec 2.5).
//
// This portable clock counts nanoseconds on the monotonic clock since
// clockBase, so its frequency is 1e9.
// TODO(issue 3): RDTSC on amd64 and CNTVCT on arm64, with the frequency
// measured at start.

var clockBase = time.Now()

// now returns the current tick count.
func now() int64 { return int64(time.Since(clockBase)) + 1 }

// frequency is the number of ticks per second.
func frequency() int64 { return int64(time.Second) }
