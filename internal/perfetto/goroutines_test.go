package perfetto

import (
	"context"
	"slices"
	"testing"
	"time"
)

// goSource is a fakeSource with goroutine states.
type goSource struct {
	*fakeSource
	states []GoroutineState
}

func (g goSource) GoroutineStates(_ context.Context, _ string, _, _ time.Time, fn func(GoroutineState) error) error {
	for _, s := range g.states {
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

func gstate(id int64, name, state, reason string, begin, end int64) GoroutineState {
	return GoroutineState{Goroutine: id, Name: name, State: state, Reason: reason, Begin: at(begin), End: at(end), File: "w.go", Line: 3}
}

func TestGenerateGoroutines(t *testing.T) {
	src := goSource{sampleSource(), []GoroutineState{
		gstate(7, "main.worker", "runnable", "", 0, 10),
		gstate(7, "main.worker", "running", "", 10, 50),
		gstate(7, "main.worker", "blocked", "chan receive", 50, 90),
		gstate(7, "main.worker", "blocked", "chan receive", 60, 95), // an overlapping snapshot: a second lane
		gstate(9, "", "syscall", "", 20, 30),
	}}
	tr := generate(t, src, Options{Begin: at(0), End: at(1000)})
	proc := ProcessUUID("p1")
	parent := tr.Tracks[goroutinesUUID(proc)]
	if parent == nil || parent.Name != "Goroutines" || parent.Parent != proc {
		t.Fatalf("goroutines track = %+v", parent)
	}
	g7, g9 := tr.Tracks[goroutineUUID(proc, 7)], tr.Tracks[goroutineUUID(proc, 9)]
	if g7 == nil || g7.Name != "g7 main.worker" || g7.Parent != parent.UUID {
		t.Errorf("goroutine 7 track = %+v", g7)
	}
	if g9 == nil || g9.Name != "g9" || g9.Parent != parent.UUID {
		t.Errorf("goroutine 9 track = %+v", g9)
	}
	slices7, err := tr.Slices()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range slices7 {
		if s.Cat == "goroutine" {
			got = append(got, tr.Tracks[s.Track].Name+"|"+s.Name)
		}
	}
	slices.Sort(got)
	want := []string{"g7 main.worker|blocked: chan receive", "g7 main.worker|blocked: chan receive", "g7 main.worker|runnable",
		"g7 main.worker|running", "g9|syscall"}
	if !slices.Equal(got, want) {
		t.Errorf("goroutine slices %q, want %q", got, want)
	}
	// Without thread spans selected, no goroutine track.
	tr = generate(t, goSource{sampleSource(), src.states}, Options{Begin: at(0), End: at(1000), Spans: AsyncSpans})
	if _, ok := tr.Tracks[goroutinesUUID(proc)]; ok {
		t.Error("goroutine tracks with span types async")
	}
	// A source without goroutine states: no Goroutines track.
	tr = generate(t, sampleSource(), Options{Begin: at(0), End: at(1000)})
	if _, ok := tr.Tracks[goroutinesUUID(proc)]; ok {
		t.Error("a Goroutines track without goroutine states")
	}
}

func TestGoroutineSliceName(t *testing.T) {
	for _, c := range []struct{ state, reason, want string }{
		{"blocked", "select", "blocked: select"},
		{"blocked", "", "blocked"},
		{"runnable", "preempted", "runnable"},
		{"running", "", "running"},
	} {
		if got := GoroutineSliceName(c.state, c.reason); got != c.want {
			t.Errorf("GoroutineSliceName(%q, %q) = %q, want %q", c.state, c.reason, got, c.want)
		}
	}
}
