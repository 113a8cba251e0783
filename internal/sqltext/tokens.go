package sqltext

import "strings"

// IsSymbol reports whether toks[i] is the symbol s (false out of range).
func IsSymbol(toks []Token, i int, s string) bool {
	return i >= 0 && i < len(toks) && toks[i].Kind == Symbol && toks[i].Text == s
}

// IsKeyword reports whether toks[i] is the bare identifier w (lower case).
func IsKeyword(toks []Token, i int, w string) bool { return Word(toks, i) == w }

// Word returns the text of toks[i] when it is a bare (unquoted)
// identifier, which may be a keyword, else "".
func Word(toks []Token, i int) string {
	if i < 0 || i >= len(toks) || toks[i].Kind != Ident || toks[i].End-toks[i].Start != len(toks[i].Text) {
		return ""
	}
	return toks[i].Text
}

// Identifiers returns the set of identifiers of a SQL text, lower-cased.
func Identifiers(toks []Token) map[string]bool {
	ids := map[string]bool{}
	for _, t := range toks {
		if t.Kind == Ident {
			ids[strings.ToLower(t.Text)] = true
		}
	}
	return ids
}

// InString reports whether a string literal mentions name, in any case
// (such as query_table('log_entries')).
func InString(toks []Token, name string) bool {
	for _, t := range toks {
		if (t.Kind == String || t.Kind == EscapeString) && strings.Contains(strings.ToLower(t.Text), name) {
			return true
		}
	}
	return false
}

// Depths returns the parenthesis depth of every token; parentheses
// belong to the level outside them.
func Depths(toks []Token) []int {
	out := make([]int, len(toks))
	d := 0
	for i, t := range toks {
		if t.Kind == Symbol && t.Text == ")" && d > 0 {
			d--
		}
		out[i] = d
		if t.Kind == Symbol && t.Text == "(" {
			d++
		}
	}
	return out
}

// TokenAt returns the index of the token starting at byte pos, or -1.
func TokenAt(toks []Token, pos int) int {
	for i, t := range toks {
		if t.Start == pos {
			return i
		}
	}
	return -1
}

// TokenEndingAt returns the index of the token ending at byte pos, or -1.
func TokenEndingAt(toks []Token, pos int) int {
	for i, t := range toks {
		if t.End == pos {
			return i
		}
	}
	return -1
}
