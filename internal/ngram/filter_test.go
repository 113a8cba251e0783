package ngram

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestNoFalseNegatives adds random strings and checks that every
// substring of each, and every string itself, may be contained.
func TestNoFalseNegatives(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name     string
		alphabet string
		n        int
	}{
		{"lower", "abcdefghijklmnopqrstuvwxyz", 200},
		{"binary", "\x00\x01\xff\x80", 200},
		{"utf8", "héllo wörld ✓ 日本", 100},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := New()
			var added []string
			for range c.n {
				var b strings.Builder
				for range rng.IntN(40) {
					b.WriteByte(c.alphabet[rng.IntN(len(c.alphabet))])
				}
				f.Add(b.String())
				added = append(added, b.String())
			}
			for _, s := range added {
				for i := range len(s) {
					for j := i; j <= len(s); j++ {
						if !f.MayContain(s[i:j]) {
							t.Fatalf("MayContain(%q) = false, substring of the added %q", s[i:j], s)
						}
					}
				}
			}
		})
	}
}

// TestMayContain checks rare needles against a filter of log-like
// messages.
func TestMayContain(t *testing.T) {
	f := New()
	for i := range 10000 {
		f.Add("request " + strings.Repeat("x", i%7) + " done in 12 ms")
	}
	f.Add("error id 7f3a9c")
	for _, c := range []struct {
		needle string
		want   bool
	}{
		{"", true},
		{"ab", true}, // too short to say
		{"done in", true},
		{"7f3a9c", true},
		{"error id 7f3a9c", true},
		{"Done in", false}, // case-sensitive
		{"0b7e41d2-aa1c", false},
		{"request 4242424 done", false},
	} {
		if got := f.MayContain(c.needle); got != c.want {
			t.Errorf("MayContain(%q) = %v, want %v", c.needle, got, c.want)
		}
	}
	empty := New()
	if empty.MayContain("abc") {
		t.Fatal("an empty filter may contain abc")
	}
	if !empty.MayContain("ab") {
		t.Fatal("a needle shorter than a trigram is rejected")
	}
}

// TestEncodeDecode round-trips a filter and rejects malformed input.
func TestEncodeDecode(t *testing.T) {
	f := New()
	f.Add("some message 123")
	g, err := Decode(f.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if !g.MayContain("message 123") || g.MayContain("absent trigrams") {
		t.Fatal("decoded filter differs")
	}
	good := f.Encode()
	for _, c := range []struct{ name, s string }{
		{"empty", ""},
		{"short", good[:len(good)-4]},
		{"long", good + "AAAA"},
		{"not base64", "!" + good[1:]},
		{"not a power of two", base64.StdEncoding.EncodeToString(make([]byte, 8*24))},
		{"too small", base64.StdEncoding.EncodeToString(make([]byte, 8*8))},
		{"too large", base64.StdEncoding.EncodeToString(make([]byte, 2*Bytes))},
	} {
		if _, err := Decode(c.s); err == nil {
			t.Errorf("%s: decoded without an error", c.name)
		}
	}
}

// TestFold: a filter of few strings encodes small, one of many stays
// large, and both answer after Decode as before, with no false negative.
func TestFold(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct {
		name           string
		n              int
		maxB64, minB64 int
	}{
		{"three messages", 3, 200, 0},          // 16 blocks: 128 bytes
		{"a thousand", 1000, 30000, 1000},      // 16 KiB
		{"many trigrams", 40000, 90000, 40000}, // (nearly) full size
	} {
		t.Run(c.name, func(t *testing.T) {
			// Random lower-case words: about n × 25 distinct trigrams.
			word := func(n int) string {
				b := make([]byte, n)
				for i := range b {
					b[i] = byte('a' + rng.IntN(26))
				}
				return string(b)
			}
			f := New()
			var added []string
			for i := range c.n {
				s := fmt.Sprintf("request %d %s done", i, word(27))
				f.Add(s)
				added = append(added, s)
			}
			enc := f.Encode()
			if len(enc) > c.maxB64 || len(enc) < c.minB64 {
				t.Fatalf("encoded in %d characters, want %d to %d", len(enc), c.minB64, c.maxB64)
			}
			g, err := Decode(enc)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range added {
				if !g.MayContain(s) || !g.MayContain(s[3:12]) {
					t.Fatalf("folded filter lost %q", s)
				}
			}
			// Few false positives: under 1% of random 12-byte needles.
			fp := 0
			for range 1000 {
				if g.MayContain(strings.ToUpper(word(12))) { // no upper case was added
					fp++
				}
			}
			if fp > 10 {
				t.Fatalf("%d of 1000 absent needles reported present", fp)
			}
			// Adding to a decoded (folded) filter keeps both.
			g.Add("zzzqqqxxx")
			if !g.MayContain("zzzqqqxxx") || !g.MayContain(added[0]) {
				t.Fatal("Add to a decoded filter")
			}
		})
	}
}

// FuzzDecode checks that Decode never panics and that what it accepts
// is a usable filter that encodes back to its input.
func FuzzDecode(f *testing.F) {
	g := New()
	g.Add("hello world")
	f.Add(g.Encode())
	f.Add("")
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Decode(s)
		if err != nil {
			return
		}
		d.MayContain("hello")
		d.Add("more")
		if _, err := Decode(d.Encode()); err != nil {
			t.Fatal(err)
		}
	})
}

// BenchmarkAdd measures adding log-sized messages.
func BenchmarkAdd(b *testing.B) {
	f := New()
	msg := "request 1234567 done in 423 ms"
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		f.Add(msg)
	}
}
