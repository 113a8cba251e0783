package bloom

import (
	"fmt"
	"strings"
	"testing"
)

func keys(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%032x", prefix, i*7919)
	}
	return out
}

// TestFilter checks that every added key is found, that the false
// positive rate of absent keys stays under 1% at the built and folded
// sizes, and that a filter survives Encode and Decode.
func TestFilter(t *testing.T) {
	for _, tc := range []struct {
		name      string
		expected  int // the count New is told
		added     int
		maxBlocks int // after folding
	}{
		{name: "exact", expected: 10_000, added: 10_000, maxBlocks: 1024},
		{name: "overestimated tenfold", expected: 100_000, added: 10_000, maxBlocks: 1024},
		{name: "one key", expected: 1, added: 1, maxBlocks: 1},
		{name: "empty", expected: 1000, added: 0, maxBlocks: 1},
		{name: "capped", expected: 10_000_000, added: 200_000, maxBlocks: MaxBlocks},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := New(tc.expected)
			in := keys("in", tc.added)
			for _, k := range in {
				f.Add(k)
			}
			g, err := Decode(f.Encode())
			if err != nil {
				t.Fatal(err)
			}
			if len(g.blocks) > tc.maxBlocks {
				t.Errorf("%d blocks after folding, want at most %d", len(g.blocks), tc.maxBlocks)
			}
			for _, h := range []*Filter{f, g} {
				for _, k := range in {
					if !h.MayContain(k) {
						t.Fatalf("%q added but not found", k)
					}
				}
				fp := 0
				out := keys("out", 20_000)
				for _, k := range out {
					if h.MayContain(k) {
						fp++
					}
				}
				if tc.added > 0 && float64(fp) > 0.01*float64(len(out)) {
					t.Errorf("%d false positives in %d (%d blocks)", fp, len(out), len(h.blocks))
				}
				if tc.added == 0 && fp > 0 {
					t.Errorf("an empty filter reports %d keys", fp)
				}
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, s := range []string{"", "not base64!", strings.Repeat("A", 40), "AAAA"} {
		if _, err := Decode(s); err == nil {
			t.Errorf("Decode(%q) accepted", s)
		}
	}
}

// FuzzDecode feeds arbitrary text to Decode (filters are read from
// partition files).
func FuzzDecode(f *testing.F) {
	g := New(10)
	g.Add("abc")
	f.Add(g.Encode())
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := Decode(s)
		if err != nil {
			return
		}
		h.MayContain("abc")
	})
}

func BenchmarkAdd(b *testing.B) {
	f := New(b.N)
	k := keys("k", 1024)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		f.Add(k[i&1023])
	}
}
