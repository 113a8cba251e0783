package app

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/perfetto"
	"github.com/micromegas-go/micromegas/internal/perfetto/perfettotest"
	"github.com/micromegas-go/micromegas/telemetry"
)

var (
	grFailed    = telemetry.NewLogSite(telemetry.LevelError, "gr/main", "the burst failed")
	grBurst     = telemetry.NewSpan("gr_burst")
	grBurstWait = telemetry.NewSpan("gr_burst_wait")
)

// grWorker takes jobs from a channel and spins on each: it runs, waits
// for the channel, and waits for a P.
func grWorker(jobs <-chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	for n := range jobs {
		x := 0
		for i := range 50000 * n {
			x += i * i
		}
		_ = x
	}
}

// TestFlightRecorderInPerfetto: a program with CPU tracing on logs an
// error after a burst of goroutine work, which it records as a thread span
// and an async span; the flight recorder's snapshot reaches the server,
// the goroutine_states view shows the burst's goroutines running,
// runnable (waiting for a P: more workers than Ps) and blocked, and the
// Perfetto trace of the process has a track per goroutine with those
// states beside the thread track and the async track of the same process,
// their slices over the same time.
func TestFlightRecorderInPerfetto(t *testing.T) {
	a := startApp(t)
	guard, err := telemetry.Init(telemetry.Config{
		URL:              "http://" + a.IngestionAddr().String(),
		EnableCPUTracing: true,
		FlightRecorder:   &telemetry.FlightRecorder{Window: 5 * time.Second},
	})
	if err != nil {
		t.Fatalf("telemetry init: %v", err)
	}
	pid := guard.ProcessID()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2)) // more workers than Ps: some wait for one
	const workers = 6
	track := telemetry.NewTrack("gr-main", nil)
	track.Begin(grBurst)
	wait := grBurstWait.BeginAsync(telemetry.AsyncSpan{})
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range workers {
		wg.Add(1)
		go grWorker(jobs, &wg)
	}
	for i := range 60 {
		jobs <- i%4 + 1
	}
	close(jobs)
	wg.Wait()
	wait.End()
	track.End(grBurst)
	track.Close()
	grFailed.Log()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	waitUntil(t, "the snapshot", func() bool { return guard.Stats().TraceSnapshots == 1 })
	if err := guard.Shutdown(ctx); err != nil {
		t.Fatalf("telemetry shutdown: %v", err)
	}
	if st := guard.Stats(); st.TraceDropped != 0 || st.Dropped() != 0 {
		t.Fatalf("telemetry lost data: %+v", st)
	}

	_, rows := queryRows(t, a.FlightSQLAddr().String(), `SELECT goroutine_id, state, reason, trigger, count(*)
		FROM view_instance('goroutine_states', '`+pid+`')
		WHERE goroutine_name LIKE '%.grWorker' GROUP BY ALL ORDER BY ALL`)
	states := map[string]int{}
	ids := map[string]bool{}
	for _, r := range rows {
		ids[r[0]] = true
		states[r[1]+"/"+r[2]]++
		if r[3] != telemetry.TriggerLog {
			t.Errorf("trigger %q, want %q", r[3], telemetry.TriggerLog)
		}
	}
	if len(ids) != workers || states["running/"] == 0 || states["runnable/"] == 0 || states["blocked/chan receive"] == 0 {
		t.Fatalf("goroutine_states of the workers: %d goroutines, states %v; rows %v", len(ids), states, rows)
	}

	resp, err := http.Get("http://" + a.WebAddr().String() + "/api/perfetto/" + pid)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("perfetto: %d %s", resp.StatusCode, body)
	}
	tr, err := perfettotest.Decode(body)
	if err != nil {
		t.Fatalf("decode trace: %v", err)
	}
	slices, err := tr.Slices()
	if err != nil {
		t.Fatalf("trace slices: %v", err)
	}
	var goroutinesTrack, threadTrack, asyncTrack, proc uint64
	for _, tk := range tr.Tracks {
		if tr.Tracks[tk.Parent] == nil || !tr.Tracks[tk.Parent].IsProcess {
			continue
		}
		if proc != 0 && tk.Parent != proc {
			t.Fatalf("tracks under two processes: %d and %d", proc, tk.Parent)
		}
		proc = tk.Parent
		switch {
		case tk.Name == "Goroutines":
			goroutinesTrack = tk.UUID
		case tk.Name == "Async Operations":
			asyncTrack = tk.UUID
		case tk.IsThread && tk.Name == "gr-main":
			threadTrack = tk.UUID
		}
	}
	if goroutinesTrack == 0 || threadTrack == 0 || asyncTrack == 0 {
		t.Fatalf("tracks under the process: goroutines %d, thread gr-main %d, async %d; want all three", goroutinesTrack, threadTrack, asyncTrack)
	}
	// The thread span and the async span of the burst, on their tracks
	// (async spans may be on a lane: a child track of the async track).
	var burst, burstWait *perfettotest.Slice
	for i, s := range slices {
		switch {
		case s.Track == threadTrack && s.Name == "gr_burst":
			burst = &slices[i]
		case (s.Track == asyncTrack || tr.Tracks[s.Track] != nil && tr.Tracks[s.Track].Parent == asyncTrack) && s.Name == "gr_burst_wait":
			burstWait = &slices[i]
		}
	}
	if burst == nil || burstWait == nil {
		t.Fatalf("thread span slice %+v, async span slice %+v: want both", burst, burstWait)
	}
	workerTracks := map[uint64]bool{}
	for _, tk := range tr.Tracks {
		if tk.Parent == goroutinesTrack && strings.HasSuffix(tk.Name, ".grWorker") {
			workerTracks[tk.UUID] = true
		}
	}
	if len(workerTracks) != workers {
		t.Fatalf("%d grWorker goroutine tracks, want %d", len(workerTracks), workers)
	}
	seen := map[string]int{}
	during := 0 // worker slices within the burst's thread span
	for _, s := range slices {
		if workerTracks[s.Track] {
			seen[s.Name]++
			if s.End < s.Begin || s.Cat != "goroutine" {
				t.Errorf("slice %+v", s)
			}
			if s.Begin >= burst.Begin && s.End <= burst.End {
				during++
			}
		}
	}
	if during == 0 {
		t.Errorf("no goroutine slice of the workers within the burst's span [%d, %d]: the tracks do not share a clock", burst.Begin, burst.End)
	}
	for _, want := range []string{"running", "runnable", "blocked: chan receive", perfetto.GoroutineSliceName("blocked", "chan receive")} {
		if seen[want] == 0 {
			t.Errorf("no %q slice on the worker tracks: %v", want, seen)
		}
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
