package sqltext

import (
	"fmt"
	"strconv"
	"strings"
)

// Placeholder is one parameter marker of a SQL text, "?" or "$N".
type Placeholder struct {
	Start, End int // byte range of the marker
	Index      int // 0-based index of the parameter it takes
}

// Placeholders returns the parameter markers among toks: "?" takes the
// next index, "$N" names parameter N (from 1). Named markers ($name) are
// left out (see Named). Mixing "?" and "$N" is an error.
func Placeholders(toks []Token) ([]Placeholder, error) {
	var out []Placeholder
	anon, numbered := false, false
	for _, t := range toks {
		if t.Kind != Param {
			continue
		}
		switch {
		case t.Text == "?":
			anon = true
			out = append(out, Placeholder{Start: t.Start, End: t.End, Index: len(out)})
		case positional(t):
			n, err := strconv.Atoi(t.Text[1:])
			if err != nil || n < 1 {
				return nil, fmt.Errorf("bad parameter marker %s: parameters are numbered from $1", t.Text)
			}
			numbered = true
			out = append(out, Placeholder{Start: t.Start, End: t.End, Index: n - 1})
		}
	}
	if anon && numbered {
		return nil, fmt.Errorf("the query mixes ? and $N parameter markers: use one style")
	}
	return out, nil
}

// Named returns the first named parameter marker ($name) among toks.
func Named(toks []Token) (Token, bool) {
	for _, t := range toks {
		if t.Kind == Param && !positional(t) {
			return t, true
		}
	}
	return Token{}, false
}

// CheckCount checks that the markers use exactly the n values bound: every
// marker has a value and every value a marker.
func CheckCount(marks []Placeholder, n int) error {
	used := make([]bool, n)
	for _, m := range marks {
		if m.Index >= n {
			return fmt.Errorf("the query uses parameter %d but %s bound: bind one value per marker (? or $1, $2, ...)", m.Index+1, valueCount(n))
		}
		used[m.Index] = true
	}
	for i, u := range used {
		if !u {
			return fmt.Errorf("%s bound but the query does not use parameter %d: bind one value per marker (? or $1, $2, ...)", valueCount(n), i+1)
		}
	}
	return nil
}

func valueCount(n int) string {
	if n == 1 {
		return "1 value was"
	}
	return strconv.Itoa(n) + " values were"
}

// Rewrite returns the text sql[start:end] with each marker of marks
// inside it replaced by what replace returns for it; marks are in text
// order.
func Rewrite(sql string, start, end int, marks []Placeholder, replace func(Placeholder) (string, error)) (string, error) {
	var b strings.Builder
	b.Grow(end - start)
	last := start
	for _, m := range marks {
		if m.Start < start || m.End > end {
			continue
		}
		s, err := replace(m)
		if err != nil {
			return "", err
		}
		b.WriteString(sql[last:m.Start])
		b.WriteString(s)
		last = m.End
	}
	b.WriteString(sql[last:end])
	return b.String(), nil
}
