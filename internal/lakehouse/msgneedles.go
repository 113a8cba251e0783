package lakehouse

import "strings"

// Needles: substrings the SQL text requires of a text column.
//
// A conjunct of the WHERE clause that findTimeBounds reads (the same
// tables, the same top-level AND conjuncts, the same rules on OR, CASE,
// joins and qualifiers) of the form
//
//	col LIKE 'pattern'      (no ESCAPE clause; not NOT LIKE, not ILIKE)
//	contains(col, 'text')
//
// on a text column of the view (textColumns) requires every row to hold
// the pattern's literal runs (the text between its % and _ wildcards)
// as substrings of col. The runs of 3 bytes or more are the needles of
// the table: a file whose msg trigram filter lacks a trigram of a needle
// holds no row the WHERE keeps (msgfilter.go, addFiles). A pattern with a
// backslash is left alone (whatever escape rules apply to it).

// textColumns are the columns of each view whose files carry a trigram
// filter.
var textColumns = map[string]map[string]bool{LogEntriesView: {"msg": true}}

// minNeedle is the shortest run that can be checked against a filter.
const minNeedle = 3

// needle matches a substring conjunct toks[a:b) on a text column and
// records its needles; it reports whether the conjunct had that form.
func (m *boundMatcher) needle(a, b int) bool {
	if len(m.text) == 0 {
		return false
	}
	// col LIKE 'pattern'
	if n, name, ok := m.columnRef(a, b); ok && m.text[name] && a+n+2 == b &&
		isKeyword(m.toks, a+n, "like") && m.toks[a+n+1].kind == tokString {
		m.out.needles = append(m.out.needles, likeRuns(m.toks[a+n+1].text)...)
		return true
	}
	// contains(col, 'text')
	if isKeyword(m.toks, a, "contains") && isSymbol(m.toks, a+1, "(") {
		if n, name, ok := m.columnRef(a+2, b); ok && m.text[name] && a+n+5 == b && isSymbol(m.toks, a+2+n, ",") &&
			m.toks[a+3+n].kind == tokString && isSymbol(m.toks, a+4+n, ")") {
			if s := m.toks[a+3+n].text; len(s) >= minNeedle {
				m.out.needles = append(m.out.needles, s)
			}
			return true
		}
	}
	return false
}

// likeRuns returns the literal runs of at least minNeedle bytes of a LIKE
// pattern without an ESCAPE clause: its text split at the % and _
// wildcards. A pattern holding a backslash gives none.
func likeRuns(pattern string) []string {
	if strings.ContainsRune(pattern, '\\') {
		return nil
	}
	var out []string
	for _, r := range strings.FieldsFunc(pattern, func(c rune) bool { return c == '%' || c == '_' }) {
		if len(r) >= minNeedle {
			out = append(out, r)
		}
	}
	return out
}
