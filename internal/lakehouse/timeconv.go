package lakehouse

import "time"

// timeConverter turns tick counts of one process into times (spec 2.5):
// ns = start_time + (ticks − start_ticks) × 1e9 / frequency.
type timeConverter struct {
	startNanos int64
	startTicks int64
	freq       int64
}

func newTimeConverter(startTime time.Time, startTicks, freq int64) timeConverter {
	return timeConverter{startNanos: startTime.UnixNano(), startTicks: startTicks, freq: freq}
}

// nanos converts absolute ticks to nanoseconds since the Unix epoch, split
// into whole seconds and remainder so the product cannot overflow.
func (c timeConverter) nanos(ticks int64) int64 {
	if c.freq <= 0 {
		return c.startNanos
	}
	d := ticks - c.startTicks
	secs, rem := d/c.freq, d%c.freq
	return c.startNanos + secs*int64(time.Second) + (rem*int64(time.Second)+c.freq/2)/c.freq
}

// estimateFrequency estimates ticks per second when a process reported 0
// (spec 2.5): the last block's relative end ticks over the wall-clock time
// elapsed since the process started.
func estimateFrequency(startTime, lastEndTime time.Time, lastEndTicks int64) int64 {
	elapsed := lastEndTime.Sub(startTime)
	if elapsed <= 0 || lastEndTicks <= 0 {
		return 0
	}
	return int64(float64(lastEndTicks) / elapsed.Seconds())
}
