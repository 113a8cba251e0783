package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"
)

// stats are the figures of one client, written by its goroutine only.
type stats struct {
	latencies []time.Duration
	bytes     int64
	events    int64
	failed    int
	firstErr  error
}

func (s *stats) ok(lat time.Duration, bytes, events int) {
	s.latencies = append(s.latencies, lat)
	s.bytes += int64(bytes)
	s.events += int64(events)
}

func (s *stats) fail(err error) {
	s.failed++
	if s.firstErr == nil {
		s.firstErr = err
	}
}

// result is the sum over clients of the measured part of a run.
type result struct {
	elapsed   time.Duration
	cpu       cpuTimes
	serverPID int
	latencies []time.Duration
	bytes     int64
	events    int64
	failed    int
	firstErr  error
}

func (r *result) add(s *stats) {
	r.latencies = append(r.latencies, s.latencies...)
	r.bytes += s.bytes
	r.events += s.events
	r.failed += s.failed
	if r.firstErr == nil {
		r.firstErr = s.firstErr
	}
}

// percentile returns the p-th percentile (0 < p ≤ 100) of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func (r *result) print(w io.Writer) {
	slices.Sort(r.latencies)
	secs := r.elapsed.Seconds()
	blocks := float64(len(r.latencies))
	fmt.Fprintf(w, "blocks:    %d in %.1f s = %.0f blocks/s (%d failed)\n", len(r.latencies), secs, blocks/secs, r.failed)
	fmt.Fprintf(w, "bytes:     %.1f MB/s (mean body %.0f KB)\n", float64(r.bytes)/secs/1e6, float64(r.bytes)/max(blocks, 1)/1e3)
	fmt.Fprintf(w, "events:    %.2f M events/s\n", float64(r.events)/secs/1e6)
	fmt.Fprintf(w, "latency:   p50 %s, p99 %s, max %s\n", round(percentile(r.latencies, 50)), round(percentile(r.latencies, 99)), round(percentile(r.latencies, 100)))
	// The machine's busy time covers everything on it: this generator, the
	// server, and the database and object store when they are local.
	busy := r.cpu.machineBusy.Seconds()
	fmt.Fprintf(w, "machine:   %.2f of %d cores busy; per busy core-second: %.0f blocks, %.1f MB, %.2f M events\n",
		busy/secs, runtime.NumCPU(), blocks/busy, float64(r.bytes)/busy/1e6, float64(r.events)/busy/1e6)
	if r.serverPID != 0 {
		srv := r.cpu.process.Seconds()
		fmt.Fprintf(w, "server:    pid %d used %.2f cores; per server core-second: %.0f blocks, %.1f MB, %.2f M events\n",
			r.serverPID, srv/secs, blocks/srv, float64(r.bytes)/srv/1e6, float64(r.events)/srv/1e6)
	}
}

func round(d time.Duration) time.Duration {
	if d > 10*time.Millisecond {
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
