// Package gotrace reads Go execution traces (runtime/trace, such as the
// snapshots of the telemetry flight recorder) into the intervals that each
// goroutine spent in one state: running, runnable (waiting for a P),
// blocked (with the runtime's reason: chan receive, select, sync, sleep,
// network, ...) or in a system call. The trace is parsed by
// golang.org/x/exp/trace, the standard library's parser published as a
// module; this package only follows the goroutine state transitions.
package gotrace

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"golang.org/x/exp/trace"
)

// The states of an Interval.
const (
	StateRunning  = "running"
	StateRunnable = "runnable"
	StateBlocked  = "blocked"
	StateSyscall  = "syscall"
)

// Interval is the time a goroutine spent in one state.
type Interval struct {
	Goroutine int64
	// Name is the goroutine's entry function when the trace shows it
	// (its creation or a stack), else "".
	Name       string
	State      string // one of the State constants
	Reason     string // the runtime's reason for entering the state ("" when none)
	Begin, End time.Time
	// Stack is where the goroutine was when it entered the state, innermost
	// frame first, one "function file:line" per line (at most MaxFrames).
	Stack string
	// Func, File and Line are the innermost frame of Stack.
	Func, File string
	Line       uint64
}

// MaxFrames bounds the frames of Interval.Stack.
const MaxFrames = 16

// goroutine is the open interval of a goroutine.
type goroutine struct {
	name   string
	state  string
	reason string
	since  trace.Time
	stack  trace.Stack
}

// Intervals parses the execution trace in data and calls fn for each
// goroutine state interval, in the order the intervals end (those still
// open at the end of the trace last, ending at its last event). Times come
// from the trace's clock snapshots (traces of Go 1.25 and later). Bad
// input is an error, never a panic.
func Intervals(data io.Reader, fn func(Interval) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("execution trace: malformed: %v", r)
		}
	}()
	r, err := trace.NewReader(data)
	if err != nil {
		return fmt.Errorf("execution trace: %w", err)
	}
	p := parser{gs: map[trace.GoID]*goroutine{}, stacks: map[trace.Stack]frames{}, fn: fn}
	for {
		ev, err := r.ReadEvent()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("execution trace: %w", err)
		}
		if err := p.event(ev); err != nil {
			return err
		}
	}
	return p.finish()
}

// frames is a formatted stack.
type frames struct {
	text, fn, file string
	line           uint64
	entry          string // the outermost function
}

type parser struct {
	gs     map[trace.GoID]*goroutine
	stacks map[trace.Stack]frames
	fn     func(Interval) error
	clock  *trace.ClockSnapshot
	last   trace.Time
}

func (p *parser) event(ev trace.Event) error {
	p.last = ev.Time()
	switch ev.Kind() {
	case trace.EventSync:
		if cs := ev.Sync().ClockSnapshot; cs != nil {
			p.clock = cs
		}
	case trace.EventStateTransition:
		st := ev.StateTransition()
		if st.Resource.Kind != trace.ResourceGoroutine {
			return nil
		}
		from, to := st.Goroutine()
		return p.transition(st.Resource.Goroutine(), from, to, st, ev)
	}
	return nil
}

func (p *parser) transition(id trace.GoID, from, to trace.GoState, st trace.StateTransition, ev trace.Event) error {
	g := p.gs[id]
	if g == nil {
		g = &goroutine{}
		p.gs[id] = g
	}
	stack := st.Stack
	if stack == trace.NoStack && ev.Goroutine() == id {
		stack = ev.Stack()
	}
	if f := p.frames(stack); f.entry != "" && (g.name == "" || from == trace.GoNotExist) {
		g.name = f.entry
	}
	if from == trace.GoUndetermined && g.state != "" && g.state == stateName(to) {
		return nil // a status repeated at a generation boundary: the interval goes on
	}
	if err := p.emit(id, g, ev.Time()); err != nil {
		return err
	}
	g.state = stateName(to)
	g.reason = st.Reason
	g.since = ev.Time()
	g.stack = stack
	if to == trace.GoNotExist {
		delete(p.gs, id)
	}
	return nil
}

// stateName maps a goroutine state to an Interval state, "" for none.
func stateName(s trace.GoState) string {
	switch s {
	case trace.GoRunning:
		return StateRunning
	case trace.GoRunnable:
		return StateRunnable
	case trace.GoWaiting:
		return StateBlocked
	case trace.GoSyscall:
		return StateSyscall
	}
	return ""
}

// emit ends the open interval of g at end.
func (p *parser) emit(id trace.GoID, g *goroutine, end trace.Time) error {
	if g.state == "" {
		return nil
	}
	if p.clock == nil {
		return errors.New("execution trace: no clock snapshot (traces before Go 1.25 cannot be placed in time)")
	}
	f := p.frames(g.stack)
	return p.fn(Interval{
		Goroutine: int64(id), Name: g.name, State: g.state, Reason: g.reason,
		Begin: p.wall(g.since), End: p.wall(end),
		Stack: f.text, Func: f.fn, File: f.file, Line: f.line,
	})
}

// wall converts a trace time to wall-clock time.
func (p *parser) wall(t trace.Time) time.Time {
	return p.clock.Wall.Add(time.Duration(t - p.clock.Trace))
}

// frames formats a stack once.
func (p *parser) frames(s trace.Stack) frames {
	if s == trace.NoStack {
		return frames{}
	}
	if f, ok := p.stacks[s]; ok {
		return f
	}
	var f frames
	var b strings.Builder
	n := 0
	for fr := range s.Frames() {
		if n == 0 {
			f.fn, f.file, f.line = fr.Func, fr.File, fr.Line
		}
		if n < MaxFrames {
			fmt.Fprintf(&b, "%s %s:%d\n", fr.Func, fr.File, fr.Line)
		}
		f.entry = fr.Func
		n++
	}
	f.text = strings.TrimSuffix(b.String(), "\n")
	p.stacks[s] = f
	return f
}

// finish ends the intervals still open at the last event.
func (p *parser) finish() error {
	ids := slices.Sorted(maps.Keys(p.gs))
	for _, id := range ids {
		if err := p.emit(id, p.gs[id], p.last); err != nil {
			return err
		}
	}
	return nil
}
