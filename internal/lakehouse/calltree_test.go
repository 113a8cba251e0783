package lakehouse

import (
	"cmp"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// refCallTree is the straightforward call tree (spans appended when they
// end, sorted at the end) that callTree must agree with.
type refCallTree struct {
	rangeBegin, rangeEnd int64
	stack                []openSpan
	spans                []span
}

func (t *refCallTree) begin(index, ns int64, site *spanSite) {
	t.stack = append(t.stack, openSpan{id: index, begin: ns, site: site})
}

func (t *refCallTree) parentID() int64 {
	if len(t.stack) == 0 {
		return -1
	}
	return t.stack[len(t.stack)-1].id
}

func (t *refCallTree) end(index, ns int64, site *spanSite) {
	if n := len(t.stack); n > 0 {
		o := t.stack[n-1]
		t.stack = t.stack[:n-1]
		t.spans = append(t.spans, span{id: o.id, parent: t.parentID(), depth: uint32(n), begin: o.begin, end: ns, site: o.site})
		return
	}
	for i := range t.spans {
		t.spans[i].depth++
		if t.spans[i].parent == -1 {
			t.spans[i].parent = index
		}
	}
	t.spans = append(t.spans, span{id: index, parent: -1, depth: 1, begin: t.rangeBegin, end: ns, site: site})
}

func (t *refCallTree) finish(root *spanSite) []span {
	for len(t.stack) > 0 {
		n := len(t.stack)
		o := t.stack[n-1]
		t.stack = t.stack[:n-1]
		t.spans = append(t.spans, span{id: o.id, parent: t.parentID(), depth: uint32(n), begin: o.begin, end: t.rangeEnd, site: o.site})
	}
	t.spans = append(t.spans, span{id: -1, depth: 0, begin: t.rangeBegin, end: t.rangeEnd, site: root})
	slices.SortStableFunc(t.spans, func(a, b span) int {
		if c := cmp.Compare(a.begin, b.begin); c != 0 {
			return c
		}
		return cmp.Compare(a.depth, b.depth)
	})
	return t.spans
}

// TestCallTreeMatchesReference replays random event sequences (ends
// before any begin, unclosed spans, deep nesting) through callTree and
// the reference, and wants the same rows in the same order.
func TestCallTreeMatchesReference(t *testing.T) {
	root := &spanSite{name: "thread"}
	sites := []*spanSite{{name: "a"}, {name: "b"}, {name: "c"}}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 500 {
		const rangeBegin = 1000
		got := newCallTree(rangeBegin, root, 0)
		want := &refCallTree{rangeBegin: rangeBegin, rangeEnd: rangeBegin}
		ns := int64(rangeBegin)
		open := 0
		for i := range rng.IntN(60) {
			ns += 1 + rng.Int64N(5)
			site := sites[rng.IntN(len(sites))]
			if rng.IntN(2) == 0 {
				got.begin(int64(i), ns, site)
				want.begin(int64(i), ns, site)
				open++
			} else {
				got.end(int64(i), ns, site)
				want.end(int64(i), ns, site)
				open = max(open-1, 0)
			}
		}
		end := ns + 10
		want.rangeEnd = end
		g, w := got.finish(end), want.finish(root)
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("round %d (%d spans left open): callTree gave\n%+v\nwant\n%+v", round, open, g, w)
		}
	}
}
