package lakehouse

import (
	"cmp"
	"slices"
	"sort"
)

// span is one row of thread_spans before it is written. It holds no
// pointer (site is an index in the stream's site table), so the garbage
// collector never scans the millions of rows of a call tree.
type span struct {
	id, parent int64
	begin, end int64 // ns
	depth      uint32
	site       int32
}

// openSpan is a span whose end has not been seen yet; slot is its row
// number in the tree (callTree.spans[slot-base]).
type openSpan struct {
	id    int64
	begin int64
	site  int32
	slot  int
}

// callTree rebuilds the spans of one thread from its begin and end events
// (spec 5.2). One tree covers a run of contiguous blocks; [rangeBegin,
// rangeEnd] is the time they cover. Span ids are the stream-wide index of
// the begin event (of the end event when the begin lies before the tree).
//
// A span takes its row when it begins (row 0 is the thread's root span),
// so the rows are already ordered by begin time and depth unless spans
// began before the tree, and finish rarely needs to sort.
//
// A tree can hand out its first rows before it is finished (take), so
// that they are written while the rest is rebuilt. That is a bet on the
// rest of the events: that no span ends which began before the tree
// (it would change the depth and parent of every row before it), that no
// span begins before the rows handed out, and that the range ends where
// the blocks say (the root span's end). A lost bet sets broken: the rows
// handed out are wrong and the tree must be rebuilt without take.
type callTree struct {
	rangeBegin, rangeEnd int64
	root                 int32
	stack                []openSpan
	spans                []span // rows base.., row 0 (the root) is set by take or finish

	base      int   // rows handed out by take
	handedMax int64 // greatest begin handed out
	maxBegin  int64 // greatest begin of a span opened so far
	begun     bool  // a span was opened: ends before it were those of spans begun before the tree
	unordered bool  // a span began before another opened earlier: take stops
	broken    bool  // the rows handed out are wrong

	predicted    bool  // take may hand out the root span, ending at predictedEnd
	predictedEnd int64 // the range end the blocks announce
}

func newCallTree(rangeBegin int64, root int32, capacity int) *callTree {
	t := &callTree{rangeBegin: rangeBegin, rangeEnd: rangeBegin, root: root, maxBegin: rangeBegin}
	t.spans = make([]span, 1, max(capacity, 1)) // row 0: the root
	return t
}

// predictEnd lets take hand out rows before finish, betting that the
// range will end at end.
func (t *callTree) predictEnd(end int64) {
	t.predicted, t.predictedEnd = true, end
}

// parentID is the id of the innermost open span, or -1 (the thread).
func (t *callTree) parentID() int64 {
	if len(t.stack) == 0 {
		return -1
	}
	return t.stack[len(t.stack)-1].id
}

// begin opens a span.
func (t *callTree) begin(index, ns int64, site int32) {
	t.begun = true
	if ns < t.maxBegin {
		t.unordered = true
	} else {
		t.maxBegin = ns
	}
	if t.base > 0 && ns <= t.handedMax {
		t.broken = true // it sorts before rows handed out
	}
	t.stack = append(t.stack, openSpan{id: index, begin: ns, site: site, slot: t.base + len(t.spans)})
	t.spans = append(t.spans, span{})
}

// end closes the innermost open span. An end with no open span is a span
// that began before the tree: it starts at the range begin, and the spans
// already closed at the top level become its children.
func (t *callTree) end(index, ns int64, site int32) {
	if n := len(t.stack); n > 0 {
		t.close(ns)
		return
	}
	if t.base > 0 {
		t.broken = true // the rows handed out change
		return
	}
	for i := 1; i < len(t.spans); i++ { // no span is open: every row is set
		t.spans[i].depth++
		if t.spans[i].parent == -1 {
			t.spans[i].parent = index
		}
	}
	t.spans = append(t.spans, span{id: index, parent: -1, depth: 1, begin: t.rangeBegin, end: ns, site: site})
}

// close ends the innermost open span at ns.
func (t *callTree) close(ns int64) {
	n := len(t.stack)
	o := t.stack[n-1]
	t.stack = t.stack[:n-1]
	t.spans[o.slot-t.base] = span{id: o.id, parent: t.parentID(), depth: uint32(n), begin: o.begin, end: ns, site: o.site}
}

// byBeginDepth is the order of the rows of thread_spans.
func byBeginDepth(a, b span) int {
	if c := cmp.Compare(a.begin, b.begin); c != 0 {
		return c
	}
	return cmp.Compare(a.depth, b.depth)
}

// take hands out, in their final order, the rows that no later event can
// change or precede, when there are at least minRows of them: the closed
// rows before the first open span that begin before now (the time of the
// last event) and before every open span. It does nothing before
// predictEnd, before the first span opens (the ends of spans begun before
// the tree come first), or once spans opened out of time order. fn must
// not keep rows.
func (t *callTree) take(now int64, minRows int, fn func(rows []span) error) error {
	if !t.predicted || !t.begun || t.unordered || t.broken || t.rangeEnd > t.predictedEnd {
		return nil
	}
	k, limit := len(t.spans), now
	if len(t.stack) > 0 {
		// Spans opened in time order: the first open span begins before
		// every row after it.
		k, limit = t.stack[0].slot-t.base, min(now, t.stack[0].begin)
	}
	if k < minRows {
		return nil
	}
	if t.base == 0 {
		t.spans[0] = t.rootSpan(t.predictedEnd)
	}
	rows := t.spans[:k]
	if !slices.IsSortedFunc(rows, byBeginDepth) {
		slices.SortStableFunc(rows, byBeginDepth)
	}
	cut := sort.Search(k, func(i int) bool { return rows[i].begin >= limit })
	if cut == 0 {
		return nil
	}
	if err := fn(rows[:cut]); err != nil {
		return err
	}
	t.handedMax = max(t.handedMax, rows[cut-1].begin)
	t.spans = t.spans[:copy(t.spans, t.spans[cut:])]
	t.base += cut
	return nil
}

// rootSpan is the thread's span, row 0 of the tree.
func (t *callTree) rootSpan(end int64) span {
	return span{id: -1, parent: 0, depth: 0, begin: t.rangeBegin, end: end, site: t.root}
}

// finish closes the open spans at the range end, sets the root span of
// the thread and returns the rows not handed out, ordered by begin time
// and depth. The tree is broken if the range does not end where take
// assumed.
func (t *callTree) finish(rangeEnd int64) []span {
	if rangeEnd > t.rangeEnd {
		t.rangeEnd = rangeEnd
	}
	for len(t.stack) > 0 {
		t.close(t.rangeEnd)
	}
	if t.base == 0 {
		t.spans[0] = t.rootSpan(t.rangeEnd)
	} else if t.rangeEnd != t.predictedEnd {
		t.broken = true
	}
	if !slices.IsSortedFunc(t.spans, byBeginDepth) {
		slices.SortStableFunc(t.spans, byBeginDepth)
	}
	return t.spans
}
