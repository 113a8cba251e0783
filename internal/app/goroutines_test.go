package app

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/perfetto"
	"github.com/micromegas-go/micromegas/internal/perfetto/perfettotest"
	"github.com/micromegas-go/micromegas/telemetry"
)

var grFailed = telemetry.NewLogSite(telemetry.LevelError, "gr/main", "the burst failed")

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

// TestFlightRecorderInPerfetto: a program logs an error after a burst of
// goroutine work; the flight recorder's snapshot reaches the server, the
// goroutine_states view shows the burst's goroutines, and the Perfetto
// trace of the process has a track per goroutine with its states.
func TestFlightRecorderInPerfetto(t *testing.T) {
	a := startApp(t)
	guard, err := telemetry.Init(telemetry.Config{
		URL:            "http://" + a.IngestionAddr().String(),
		FlightRecorder: &telemetry.FlightRecorder{Window: 5 * time.Second},
	})
	if err != nil {
		t.Fatalf("telemetry init: %v", err)
	}
	pid := guard.ProcessID()
	const workers = 6
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
	if len(ids) != workers || states["running/"] == 0 || states["blocked/chan receive"] == 0 {
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
	var goroutinesTrack uint64
	for _, tk := range tr.Tracks {
		if tk.Name == "Goroutines" && tr.Tracks[tk.Parent] != nil && tr.Tracks[tk.Parent].IsProcess {
			goroutinesTrack = tk.UUID
		}
	}
	if goroutinesTrack == 0 {
		t.Fatal("no Goroutines track under the process")
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
	for _, s := range slices {
		if workerTracks[s.Track] {
			seen[s.Name]++
			if s.End < s.Begin || s.Cat != "goroutine" {
				t.Errorf("slice %+v", s)
			}
		}
	}
	for _, want := range []string{"running", "blocked: chan receive", perfetto.GoroutineSliceName("blocked", "chan receive")} {
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
