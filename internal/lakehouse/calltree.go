package lakehouse

import (
	"cmp"
	"slices"
)

// span is one row of thread_spans before it is appended.
type span struct {
	id, parent int64
	depth      uint32
	begin, end int64 // ns
	site       *spanSite
}

// openSpan is a span whose end has not been seen yet; slot is its row in
// callTree.spans.
type openSpan struct {
	id    int64
	begin int64
	site  *spanSite
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
type callTree struct {
	rangeBegin, rangeEnd int64
	root                 *spanSite
	stack                []openSpan
	spans                []span
}

func newCallTree(rangeBegin int64, root *spanSite, capacity int) *callTree {
	t := &callTree{rangeBegin: rangeBegin, rangeEnd: rangeBegin, root: root}
	t.spans = make([]span, 1, max(capacity, 1)) // row 0: the root, set by finish
	return t
}

// parentID is the id of the innermost open span, or -1 (the thread).
func (t *callTree) parentID() int64 {
	if len(t.stack) == 0 {
		return -1
	}
	return t.stack[len(t.stack)-1].id
}

// begin opens a span.
func (t *callTree) begin(index, ns int64, site *spanSite) {
	t.stack = append(t.stack, openSpan{id: index, begin: ns, site: site, slot: len(t.spans)})
	t.spans = append(t.spans, span{})
}

// end closes the innermost open span. An end with no open span is a span
// that began before the tree: it starts at the range begin, and the spans
// already closed at the top level become its children.
func (t *callTree) end(index, ns int64, site *spanSite) {
	if n := len(t.stack); n > 0 {
		t.close(ns)
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
	t.spans[o.slot] = span{id: o.id, parent: t.parentID(), depth: uint32(n), begin: o.begin, end: ns, site: o.site}
}

// finish closes the open spans at the range end, sets the root span of
// the thread and returns the spans ordered by begin time and depth.
func (t *callTree) finish(rangeEnd int64) []span {
	if rangeEnd > t.rangeEnd {
		t.rangeEnd = rangeEnd
	}
	for len(t.stack) > 0 {
		t.close(t.rangeEnd)
	}
	t.spans[0] = span{id: -1, parent: 0, depth: 0, begin: t.rangeBegin, end: t.rangeEnd, site: t.root}
	byBeginDepth := func(a, b span) int {
		if c := cmp.Compare(a.begin, b.begin); c != 0 {
			return c
		}
		return cmp.Compare(a.depth, b.depth)
	}
	if !slices.IsSortedFunc(t.spans, byBeginDepth) {
		slices.SortStableFunc(t.spans, byBeginDepth)
	}
	return t.spans
}
