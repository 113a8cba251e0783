package app

import (
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/util"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// heapBytes reads the live heap of this process (server and client both).
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// rssBytes reads the resident memory of this process, which includes
// DuckDB's own allocations.
func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// TestLargeResultBoundedMemory streams 2 million rows (about 250 MB of
// Arrow data) from the real engine and checks that the Go heap never
// holds more than a small part of it: the server sends batches as the
// client reads them.
func TestLargeResultBoundedMemory(t *testing.T) {
	a := startApp(t)
	cl := newFlightClient(t, a.FlightSQLAddr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const rows = 2_000_000
	info, err := cl.Execute(ctx, "SELECT range AS n, repeat('x', 100) AS payload FROM range(2000000)")
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	base, baseRSS := heapBytes(), rssBytes()
	var peak, peakRSS atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if h := heapBytes(); h > peak.Load() {
					peak.Store(h)
				}
				if r := rssBytes(); r > peakRSS.Load() {
					peakRSS.Store(r)
				}
			}
		}
	}()
	rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	var n, bytes int64
	var next int64
	for rdr.Next() {
		rec := rdr.RecordBatch()
		col := rec.Column(0)
		for i := range int(rec.NumRows()) {
			if v := col.ValueStr(i); i == 0 && v != itoa(int(next)) {
				t.Fatalf("batch starts at %s, want %d: rows lost or reordered", v, next)
			}
		}
		next += rec.NumRows()
		n += rec.NumRows()
		bytes += util.TotalRecordSize(rec)
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	rdr.Release()
	close(stop)
	<-done
	if n != rows {
		t.Fatalf("got %d rows, want %d", n, rows)
	}
	growth := int64(peak.Load()) - int64(base)
	rssGrowth := int64(peakRSS.Load()) - int64(baseRSS)
	t.Logf("streamed %d rows, %d MB; peak growth: Go heap %d MB, resident memory %d MB", n, bytes>>20, growth>>20, rssGrowth>>20)
	if bytes < 200<<20 {
		t.Fatalf("only %d MB transferred; the test needs a result much larger than its memory bound", bytes>>20)
	}
	if growth > 96<<20 {
		t.Errorf("Go heap grew by %d MB while streaming %d MB: the result is not streamed with bounded memory", growth>>20, bytes>>20)
	}
	if rssGrowth > 160<<20 {
		t.Errorf("resident memory grew by %d MB while streaming %d MB: the engine holds the result", rssGrowth>>20, bytes>>20)
	}
}

// cpuTime is the CPU time this process has used.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestClientCancelStopsEngine starts a query that would run for minutes,
// cancels the client, and checks that the engine stops working on it.
func TestClientCancelStopsEngine(t *testing.T) {
	a := startApp(t)
	cl := newFlightClient(t, a.FlightSQLAddr().String())
	const sql = "SELECT sum(a.range * b.range) FROM range(200000) a, range(200000) b"
	info, err := cl.Execute(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
		if err == nil {
			for rdr.Next() {
			}
			err = rdr.Err()
			rdr.Release()
		}
		errc <- err
	}()
	// Wait until the engine is busy: the query burns CPU. On a loaded
	// machine it gets less of it, so wait for an amount, not a rate.
	start := cpuTime(t)
	deadline := time.Now().Add(30 * time.Second)
	for cpuTime(t)-start < 300*time.Millisecond {
		if time.Now().After(deadline) {
			cancel()
			<-errc
			t.Fatalf("the query used %v of CPU in 30s; it should be running", cpuTime(t)-start)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-errc:
		if status.Code(err) != codes.Canceled {
			t.Errorf("DoGet after cancel: %v, want Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not return after cancel")
	}
	// Give the interrupt a moment, then measure: an idle server uses
	// almost no CPU, a running cross join two cores' worth.
	time.Sleep(300 * time.Millisecond)
	before := cpuTime(t)
	time.Sleep(time.Second)
	if busy := cpuTime(t) - before; busy > 300*time.Millisecond {
		t.Errorf("the server used %v of CPU in the second after the client canceled: the query is still running", busy)
	}
	// The engine is free for the next query.
	qctx, qcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer qcancel()
	if _, err := cl.Execute(qctx, "SELECT 1"); err != nil {
		t.Errorf("next query: %v", err)
	}
}
