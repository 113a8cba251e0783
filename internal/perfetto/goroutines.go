package perfetto

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/cespare/xxhash/v2"
)

// GoroutineState is one interval a goroutine spent in one state, read
// from the goroutine_states view (execution-trace snapshots of the
// telemetry flight recorder).
type GoroutineState struct {
	Goroutine int64
	Name      string // the goroutine's entry function, "" when unknown
	State     string // running, runnable, blocked or syscall
	Reason    string // why it entered the state (chan receive, sleep, ...)
	Begin     time.Time
	End       time.Time
	Function  string // where it entered the state
	File      string
	Line      uint32
}

// GoroutineSource is a Source that also reads goroutine states. When the
// Source of Generate implements it and thread spans are selected, the
// trace has a "Goroutines" track with one track per goroutine.
type GoroutineSource interface {
	// GoroutineStates reads the states of the goroutines of the process
	// that meet [begin, end], ordered by goroutine, then begin time. Name
	// is the same on every state of a goroutine.
	GoroutineStates(ctx context.Context, processID string, begin, end time.Time, fn func(GoroutineState) error) error
}

// goroutinesUUID is the uuid of the track that holds the goroutine tracks
// of a process.
func goroutinesUUID(process uint64) uint64 {
	d := xxhash.NewWithSeed(process)
	d.WriteString("goroutines")
	return d.Sum64()
}

// goroutineUUID is the uuid of the track of goroutine id.
func goroutineUUID(process uint64, id int64) uint64 {
	d := xxhash.NewWithSeed(process)
	d.WriteString("goroutine/" + strconv.FormatInt(id, 10))
	return d.Sum64()
}

// GoroutineTrackName is the name of a goroutine's track: "g17 main.worker".
func GoroutineTrackName(id int64, name string) string {
	if name == "" {
		return "g" + strconv.FormatInt(id, 10)
	}
	return "g" + strconv.FormatInt(id, 10) + " " + name
}

// GoroutineSliceName is the name of the slice of a state: the state, and
// for a blocked goroutine its reason ("blocked: chan receive").
func GoroutineSliceName(state, reason string) string {
	if reason == "" || state != "blocked" {
		return state
	}
	return state + ": " + reason
}

// writeGoroutines draws one track per goroutine, under a "Goroutines"
// track of the process, declared with the first state read.
func writeGoroutines(ctx context.Context, w *Writer, src GoroutineSource, proc uint64, processID string, opts Options) error {
	parent := goroutinesUUID(proc)
	declared := false
	var cur *lanes
	curID := int64(-1)
	err := src.GoroutineStates(ctx, processID, opts.Begin, opts.End, func(g GoroutineState) error {
		if !declared {
			if err := w.Track(parent, proc, "Goroutines"); err != nil {
				return err
			}
			declared = true
		}
		if cur == nil || g.Goroutine != curID {
			if cur != nil {
				if err := cur.close(); err != nil {
					return err
				}
			}
			track := goroutineUUID(proc, g.Goroutine)
			name := GoroutineTrackName(g.Goroutine, g.Name)
			if err := w.Track(track, parent, name); err != nil {
				return err
			}
			cur = newLanes(w, track, name, func(n int) uint64 { return laneUUID(track, n) })
			curID = g.Goroutine
		}
		return cur.add(Slice{Begin: g.Begin.UnixNano(), End: g.End.UnixNano(), Event: Event{
			Name: GoroutineSliceName(g.State, g.Reason), Category: "goroutine", File: g.File, Line: g.Line}})
	})
	if err != nil {
		return fmt.Errorf("perfetto: goroutines of %s: %w", processID, err)
	}
	if cur != nil {
		return cur.close()
	}
	return nil
}
