package telemetry

import (
	"sync"
	"time"
	_ "unsafe" // for go:linkname
)

// The tick clock (spec 2.5). Event times are absolute ticks; the process
// sends its start ticks and the tick frequency (tsc_frequency) so the
// analytics convert ticks to wall-clock time.
//
// On amd64 a tick is a TSC cycle (RDTSC in assembly), on arm64 a count of
// the virtual counter CNTVCT_EL0; both are read in a few nanoseconds. When
// the hardware counter is not known to be constant and non-stop, or on
// other architectures, ticks are nanoseconds of the runtime's monotonic
// clock.

//go:linkname nanotime runtime.nanotime
func nanotime() int64

// clock is chosen once, before the first event can be recorded.
var clock struct {
	once      sync.Once
	hardware  bool  // read hardwareTicks, else nanotime
	frequency int64 // ticks per second
}

// useHardwareClock is read on every event; it is written once by
// initClock, before any system is published (the publication orders it).
var useHardwareClock bool

// initClock picks the clock and measures its frequency. It is called by
// Init; it takes about calibrationTime when the hardware clock is used and
// the processor does not announce its frequency.
func initClock() {
	clock.once.Do(func() {
		if !hardwareClockUsable() {
			clock.frequency = int64(time.Second)
			return
		}
		f := hardwareFrequency()
		if f <= 0 {
			f = calibrate(calibrationTime)
		}
		if f <= 0 {
			clock.frequency = int64(time.Second)
			return
		}
		clock.hardware, clock.frequency = true, f
		useHardwareClock = true
	})
}

// calibrationTime is how long the frequency is measured against the
// monotonic clock.
const calibrationTime = 15 * time.Millisecond

// calibrate measures the hardware tick rate against the monotonic clock
// over about d.
func calibrate(d time.Duration) int64 {
	t0, c0 := nanotime(), hardwareTicks()
	time.Sleep(d)
	t1, c1 := nanotime(), hardwareTicks()
	if t1 <= t0 || c1 <= c0 {
		return 0
	}
	return int64(float64(c1-c0) * 1e9 / float64(t1-t0))
}

// now returns the current tick count: read it once per event.
func now() int64 {
	if useHardwareClock {
		return hardwareTicks()
	}
	return nanotime()
}

// frequency is the number of ticks per second.
func frequency() int64 {
	initClock()
	return clock.frequency
}

// dualTime is a tick count with the wall-clock time read at the same point.
type dualTime struct {
	ticks int64
	time  time.Time
}

func nowDual() dualTime { return dualTime{ticks: now(), time: time.Now().UTC()} }

// Now returns the current time in ticks of the telemetry clock, the unit
// of event times; the difference of two readings, recorded with an integer
// metric of unit "ticks", is shown in seconds by the analytics.
func Now() int64 { return now() }

// Frequency returns the number of ticks per second of Now.
func Frequency() int64 { return frequency() }
