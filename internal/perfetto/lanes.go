package perfetto

import (
	"fmt"
	"slices"
)

// Slice is one span to draw: [Begin, End] in nanoseconds since the epoch.
type Slice struct {
	Begin, End int64
	Event
}

// lanes places the slices of one logical track (a thread, or the async
// spans of a process) on as few Perfetto tracks ("lanes") as keep every
// track properly nested: Perfetto nests slices of one track by time, so
// two overlapping slices that do not contain one another must be on
// different tracks. Lane 0 is the logical track itself; more lanes are
// declared on demand as its children.
//
// Slices must be added in order of Begin (parents before children when
// they begin together). Each track's begin and end events are written in
// time order.
type lanes struct {
	w      *Writer
	parent uint64 // the logical track; lanes > 0 are its children
	name   string // name of the extra lanes
	uuid   func(lane int) uint64
	open   [][]int64 // per lane, the end times of its open slices (innermost last)
	last   int64     // Begin of the last slice, to check the order
	ends   []pendingEnd
}

type pendingEnd struct {
	lane int
	ts   int64
}

func newLanes(w *Writer, parent uint64, name string, uuid func(lane int) uint64) *lanes {
	return &lanes{w: w, parent: parent, name: name, uuid: uuid, open: [][]int64{nil}, last: -1 << 63}
}

// add draws s.
func (l *lanes) add(s Slice) error {
	if s.End < s.Begin {
		s.End = s.Begin
	}
	if s.Begin < l.last {
		return fmt.Errorf("perfetto: slices out of order (%d after %d): sort them by begin time", s.Begin, l.last)
	}
	l.last = s.Begin
	if err := l.closeUntil(s.Begin); err != nil {
		return err
	}
	lane := -1
	for i, stack := range l.open {
		if len(stack) == 0 || stack[len(stack)-1] >= s.End {
			lane = i
			break
		}
	}
	if lane < 0 {
		lane = len(l.open)
		l.open = append(l.open, nil)
		if err := l.w.Track(l.uuid(lane), l.parent, l.name); err != nil {
			return err
		}
	}
	l.open[lane] = append(l.open[lane], s.End)
	return l.w.Begin(l.uuid(lane), s.Begin, s.Event)
}

// closeUntil ends, in time order, the open slices ending at or before ts.
func (l *lanes) closeUntil(ts int64) error {
	l.ends = l.ends[:0]
	for i, stack := range l.open {
		n := len(stack)
		for n > 0 && stack[n-1] <= ts {
			n--
			l.ends = append(l.ends, pendingEnd{lane: i, ts: stack[n]})
		}
		l.open[i] = stack[:n]
	}
	// Each lane's ends are already in order; a stable sort keeps them so.
	slices.SortStableFunc(l.ends, func(a, b pendingEnd) int {
		switch {
		case a.ts < b.ts:
			return -1
		case a.ts > b.ts:
			return 1
		}
		return 0
	})
	for _, e := range l.ends {
		if err := l.w.End(l.uuid(e.lane), e.ts); err != nil {
			return err
		}
	}
	return nil
}

// close ends every open slice.
func (l *lanes) close() error { return l.closeUntil(1<<63 - 1) }
