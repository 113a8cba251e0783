package gotrace

import (
	"bytes"
	"runtime/trace"
	"strings"
	"sync"
	"testing"
	"time"
)

// traceOf records the execution trace of fn.
func traceOf(t testing.TB, fn func()) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Fatalf("start trace: %v", err)
	}
	fn()
	trace.Stop()
	return buf.Bytes()
}

// chanWorker blocks on a channel receive, then spins.
func chanWorker(in <-chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	n := <-in
	for i := range 100000 * n {
		_ = i * i
	}
}

// sleeper sleeps.
func sleeper(wg *sync.WaitGroup) {
	defer wg.Done()
	time.Sleep(20 * time.Millisecond)
}

func burst() {
	var wg sync.WaitGroup
	in := make(chan int)
	for range 4 {
		wg.Add(2)
		go chanWorker(in, &wg)
		go sleeper(&wg)
	}
	time.Sleep(10 * time.Millisecond)
	for range 4 {
		in <- 3
	}
	wg.Wait()
}

func TestIntervals(t *testing.T) {
	before := time.Now()
	data := traceOf(t, burst)
	after := time.Now()
	var all []Interval
	if err := Intervals(bytes.NewReader(data), func(iv Interval) error {
		all = append(all, iv)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	type key struct{ fn, state, reason string }
	seen := map[key]int{}
	workers := map[int64]bool{}
	for _, iv := range all {
		if iv.End.Before(iv.Begin) {
			t.Errorf("interval ends before it begins: %+v", iv)
		}
		if iv.Begin.Before(before.Add(-time.Second)) || iv.End.After(after.Add(time.Second)) {
			t.Errorf("interval %v..%v outside the trace's time %v..%v", iv.Begin, iv.End, before, after)
		}
		short := iv.Name[strings.LastIndexByte(iv.Name, '.')+1:]
		seen[key{short, iv.State, iv.Reason}]++
		if short == "chanWorker" {
			workers[iv.Goroutine] = true
		}
	}
	for _, want := range []key{
		{"chanWorker", StateBlocked, "chan receive"},
		{"chanWorker", StateRunning, ""},
		{"sleeper", StateBlocked, "sleep"},
	} {
		if seen[want] == 0 {
			t.Errorf("no interval %+v; seen %v", want, seen)
		}
	}
	if len(workers) != 4 {
		t.Errorf("%d chanWorker goroutines, want 4", len(workers))
	}
	for _, iv := range all {
		if iv.State == StateBlocked && iv.Reason == "chan receive" && strings.HasSuffix(iv.Name, "chanWorker") {
			if !strings.Contains(iv.Stack, "chanWorker") || iv.File == "" || iv.Line == 0 {
				t.Errorf("blocked interval without its stack: %+v", iv)
			}
			break
		}
	}
}

func TestIntervalsBadInput(t *testing.T) {
	good := traceOf(t, burst)
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"not a trace", []byte("hello, world")},
		{"truncated", good[:len(good)/2]},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Intervals(bytes.NewReader(c.data), func(Interval) error { return nil })
			if err == nil && c.name != "truncated" {
				t.Fatal("no error")
			}
			if err != nil && !strings.HasPrefix(err.Error(), "execution trace") {
				t.Errorf("error %q does not say what failed", err)
			}
		})
	}
}

func FuzzIntervals(f *testing.F) {
	good := traceOf(f, burst)
	f.Add(good)
	f.Add(good[:len(good)/3])
	f.Add([]byte("go 1.26 trace\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		_ = Intervals(bytes.NewReader(data), func(Interval) error {
			n++
			return nil
		})
	})
}
