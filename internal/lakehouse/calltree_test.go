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

func (t *refCallTree) begin(index, ns int64, site int32) {
	t.stack = append(t.stack, openSpan{id: index, begin: ns, site: site})
}

func (t *refCallTree) parentID() int64 {
	if len(t.stack) == 0 {
		return -1
	}
	return t.stack[len(t.stack)-1].id
}

func (t *refCallTree) end(index, ns int64, site int32) {
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

func (t *refCallTree) finish(root int32) []span {
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

// randomEvents is one random event sequence: begins and ends (some
// before any begin, some spans left open), at increasing times.
type randomEvent struct {
	begin     bool
	index, ns int64
	site      int32
}

func randomEvents(rng *rand.Rand, n int, rangeBegin int64) []randomEvent {
	var out []randomEvent
	ns := rangeBegin
	for i := range n {
		ns += 1 + rng.Int64N(5)
		out = append(out, randomEvent{begin: rng.IntN(2) == 0, index: int64(i), ns: ns, site: int32(1 + rng.IntN(3))})
	}
	return out
}

// TestCallTreeMatchesReference replays random event sequences (ends
// before any begin, unclosed spans, deep nesting) through callTree and
// the reference, and wants the same rows in the same order.
func TestCallTreeMatchesReference(t *testing.T) {
	const root, rangeBegin = 0, 1000
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 500 {
		got := newCallTree(rangeBegin, root, 0)
		want := &refCallTree{rangeBegin: rangeBegin, rangeEnd: rangeBegin}
		evs := randomEvents(rng, rng.IntN(60), rangeBegin)
		for _, e := range evs {
			applyEvent(got, want, e)
		}
		end := int64(rangeBegin + 10)
		if len(evs) > 0 {
			end = evs[len(evs)-1].ns + 10
		}
		want.rangeEnd = end
		g, w := got.finish(end), want.finish(root)
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("round %d: callTree gave\n%+v\nwant\n%+v", round, g, w)
		}
	}
}

// TestCallTreeTake hands rows out of random trees while they grow
// (callTree.take), sometimes with time going backwards or a wrong end
// predicted, and wants the rows handed out followed by those of finish
// to be the reference's rows whenever the tree is not broken. Sequences
// whose orphan ends all come first, in time order, with the right end
// predicted, must never break.
func TestCallTreeTake(t *testing.T) {
	const root, rangeBegin = 0, 1000
	rng := rand.New(rand.NewPCG(3, 4))
	taken, broken := 0, 0
	for round := range 3000 {
		evs := randomEvents(rng, rng.IntN(200), rangeBegin)
		wellFormed := round%2 == 0
		if wellFormed { // orphan ends only before the first begin
			seenBegin := false
			kept := evs[:0]
			for _, e := range evs {
				if e.begin {
					seenBegin = true
				} else if seenBegin && rng.IntN(4) == 0 {
					continue // unclosed spans stay
				}
				kept = append(kept, e)
			}
			evs = kept
			depth, orphans := 0, true
			for i := range evs {
				switch {
				case evs[i].begin:
					depth++
					orphans = false
				case depth > 0:
					depth--
				case !orphans:
					evs[i].begin = true // no orphan end after the first begin
					depth++
				}
			}
		} else if len(evs) > 2 && rng.IntN(2) == 0 {
			i := rng.IntN(len(evs))
			evs[i].ns -= 1 + rng.Int64N(200) // time goes backwards
		}
		end := int64(rangeBegin + 10)
		for _, e := range evs {
			end = max(end, e.ns+10)
		}
		predicted := end
		if !wellFormed && rng.IntN(4) == 0 {
			predicted = end - 5
		}
		got := newCallTree(rangeBegin, root, 0)
		got.predictEnd(predicted)
		want := &refCallTree{rangeBegin: rangeBegin, rangeEnd: end}
		var out []span
		handOut := func(rows []span) error {
			out = append(out, rows...)
			return nil
		}
		minRows := 1 + rng.IntN(20)
		for i, e := range evs {
			if e.ns > got.rangeEnd {
				got.rangeEnd = e.ns
			}
			applyEvent(got, want, e)
			if rng.IntN(8) == 0 || i == len(evs)-1 {
				check(t, got.take(e.ns, minRows, handOut))
			}
		}
		if len(out) > 0 {
			taken++
		}
		out = append(out, got.finish(end)...)
		if got.broken {
			broken++
			if wellFormed {
				t.Fatalf("round %d: a well-formed tree broke", round)
			}
			continue
		}
		if w := want.finish(root); !reflect.DeepEqual(out, w) {
			t.Fatalf("round %d: callTree with take gave\n%+v\nwant\n%+v", round, out, w)
		}
	}
	t.Logf("%d of 3000 trees handed rows out early, %d broke", taken, broken)
	if taken < 1000 || broken == 0 {
		t.Fatalf("%d trees handed rows out early, %d broke: the test does not exercise take", taken, broken)
	}
}

// applyEvent gives e to the call tree and to the reference.
func applyEvent(got *callTree, want *refCallTree, e randomEvent) {
	if e.begin {
		got.begin(e.index, e.ns, e.site)
		want.begin(e.index, e.ns, e.site)
	} else {
		got.end(e.index, e.ns, e.site)
		want.end(e.index, e.ns, e.site)
	}
}
