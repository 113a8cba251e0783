package sketch

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestKeyOrdersAndValueIsClose(t *testing.T) {
	values := []float64{math.Inf(-1), -math.MaxFloat64, -1e300, -98.9, -1, -1e-300, 0,
		5e-324, 1e-300, 1e-9, 0.5, 1, 1.0078125, 2, 98.9, 99.8, 1e18, math.MaxFloat64, math.Inf(1)}
	for i, v := range values {
		if i > 0 && Key(values[i-1]) > Key(v) {
			t.Errorf("Key(%g) = %d > Key(%g) = %d: keys must order like values", values[i-1], Key(values[i-1]), v, Key(v))
		}
		got := Value(Key(v))
		switch {
		case math.IsInf(v, 0):
			if got != v {
				t.Errorf("Value(Key(%g)) = %g", v, got)
			}
		case math.Abs(v) < 1e-307:
			if got != 0 {
				t.Errorf("Value(Key(%g)) = %g, want 0 for zero and subnormals", v, got)
			}
		case math.Abs(got-v) > RelativeError*math.Abs(v):
			t.Errorf("Value(Key(%g)) = %g: relative error %g over %g", v, got, math.Abs(got-v)/math.Abs(v), RelativeError)
		}
	}
}

func TestQuantile(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gens := []struct {
		name string
		gen  func() float64
	}{
		{"uniform 0-100", func() float64 { return rng.Float64() * 100 }},
		{"exponential", func() float64 { return rng.ExpFloat64() * 1e-3 }},
		{"normal around 0", func() float64 { return rng.NormFloat64() * 50 }},
		{"cycle 0.0-99.8 with zeros", func() float64 { return float64(rng.IntN(500)) / 5 }},
	}
	for _, g := range gens {
		t.Run(g.name, func(t *testing.T) {
			var b Builder
			vals := make([]float64, 20000)
			for i := range vals {
				vals[i] = g.gen()
				b.Add(vals[i])
			}
			b.Add(math.NaN())
			slices.Sort(vals)
			s := b.Sketch()
			if s.Count != uint64(len(vals)) || s.Min != vals[0] || s.Max != vals[len(vals)-1] {
				t.Fatalf("count %d min %g max %g, want %d %g %g", s.Count, s.Min, s.Max, len(vals), vals[0], vals[len(vals)-1])
			}
			for _, q := range []float64{0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1} {
				want := vals[Rank(q, uint64(len(vals)))]
				got := s.Quantile(q)
				if math.Abs(got-want) > RelativeError*math.Abs(want) {
					t.Errorf("q%g = %g, want %g within %g relative", q, got, want, RelativeError)
				}
			}
		})
	}
	var empty Builder
	if e := empty.Sketch(); !math.IsNaN(e.Quantile(0.5)) {
		t.Errorf("empty sketch quantile = %g, want NaN", e.Quantile(0.5))
	}
}

// TestMergeEqualsUnion: the sketch of two halves merged is the sketch of
// all the values, whatever the order.
func TestMergeEqualsUnion(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var all, a, c Builder
	for i := range 10000 {
		v := rng.NormFloat64() * 1000
		all.Add(v)
		if i%3 == 0 {
			a.Add(v)
		} else {
			c.Add(v)
		}
	}
	sa, sc := a.Sketch(), c.Sketch()
	var m1, m2 Builder
	m1.Merge(&sa)
	m1.Merge(&sc)
	m2.Merge(&sc)
	m2.Merge(&Sketch{})
	m2.Merge(&sa)
	want := all.Sketch()
	for _, got := range []Sketch{m1.Sketch(), m2.Sketch()} {
		if got.Count != want.Count || got.Min != want.Min || got.Max != want.Max ||
			!slices.Equal(got.Keys, want.Keys) || !slices.Equal(got.Counts, want.Counts) {
			t.Fatalf("merged sketch differs from the sketch of the union")
		}
	}
	m1.Reset()
	if m1.Count() != 0 || len(m1.Sketch().Keys) != 0 {
		t.Fatal("Reset left values")
	}
}

func TestRank(t *testing.T) {
	for _, c := range []struct {
		ratio float64
		count uint64
		want  uint64
	}{
		{0.99, 599, 593}, {0.99, 600, 593}, {0.5, 10, 4}, {0.99, 10, 9}, {0.5, 7, 3},
		{0, 5, 0}, {1, 5, 4}, {0.01, 1, 0}, {2, 3, 2},
	} {
		if got := Rank(c.ratio, c.count); got != c.want {
			t.Errorf("Rank(%g, %d) = %d, want %d", c.ratio, c.count, got, c.want)
		}
	}
}

func BenchmarkAdd(b *testing.B) {
	var s Builder
	for i := range b.N {
		s.Add(float64(i % 500))
	}
}
