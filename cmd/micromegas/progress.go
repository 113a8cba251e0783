package main

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// progressDelay is how long a query runs before a terminal gets a
// progress line; with --progress the line starts at once.
const progressDelay = time.Second

// progress counts the rows read through a reader and prints a progress
// line ("\r12,345 rows  4,000 rows/s  3.1s") on w while the query runs.
type progress struct {
	array.RecordReader
	rows  atomic.Int64
	w     io.Writer
	start time.Time
	delay time.Duration
	stop  chan struct{}
	done  sync.WaitGroup
	shown atomic.Bool
}

// startProgress wraps rdr; finish must be called once reading is over.
func startProgress(rdr array.RecordReader, w io.Writer, delay time.Duration) *progress {
	p := &progress{RecordReader: rdr, w: w, start: time.Now(), delay: delay, stop: make(chan struct{})}
	p.done.Add(1)
	go p.run()
	return p
}

// Next counts the rows of each batch.
func (p *progress) Next() bool {
	if !p.RecordReader.Next() {
		return false
	}
	p.rows.Add(p.RecordReader.RecordBatch().NumRows())
	return true
}

func (p *progress) run() {
	defer p.done.Done()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
			if time.Since(p.start) >= p.delay {
				p.print("")
			}
		}
	}
}

func (p *progress) print(end string) {
	p.shown.Store(true)
	elapsed := time.Since(p.start)
	rows := p.rows.Load()
	rate := float64(rows) / max(elapsed.Seconds(), 1e-3)
	fmt.Fprintf(p.w, "\r%s rows  %s rows/s  %.1fs%s", group(rows), group(int64(rate)), elapsed.Seconds(), end)
}

// finish stops the line and prints the final count when a line was shown
// or always is set.
func (p *progress) finish(always bool) {
	close(p.stop)
	p.done.Wait()
	if always || p.shown.Load() {
		p.print("\n")
	}
}

// group formats n with thousands separators.
func group(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + group(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
