package sqltext

import "strings"

// Needles: substrings the SQL text requires of a text column.
//
// A conjunct of the WHERE clause that FindBounds reads (the same
// tables, the same top-level AND conjuncts, the same rules on OR, CASE,
// joins and qualifiers) of the form
//
//	col LIKE 'pattern'      (no ESCAPE clause; not NOT LIKE, not ILIKE)
//	contains(col, 'text')
//
// on a text column of the table (Table.Text) requires every row to hold
// the pattern's literal runs (the text between its % and _ wildcards)
// as substrings of col. The runs of 3 bytes or more are the needles of
// the table: a file whose trigram filter of col lacks a trigram of a
// needle holds no row the WHERE keeps (the lakehouse's msgfilter.go). A pattern with a
// backslash is left alone (whatever escape rules apply to it).

// minNeedle is the shortest run that can be checked against a filter.
const minNeedle = 3

// needle matches a substring conjunct toks[a:b) on a text column and
// records its needles; it reports whether the conjunct had that form.
func (m *boundMatcher) needle(a, b int) bool {
	if len(m.textCols) == 0 {
		return false
	}
	// col LIKE 'pattern'
	if n, name, ok := m.columnRef(a, b); ok && m.textCols[name] && a+n+2 == b &&
		IsKeyword(m.toks, a+n, "like") && m.toks[a+n+1].Kind == String {
		m.out.Needles = append(m.out.Needles, likeRuns(m.toks[a+n+1].Text)...)
		return true
	}
	// contains(col, 'text')
	if IsKeyword(m.toks, a, "contains") && IsSymbol(m.toks, a+1, "(") {
		if n, name, ok := m.columnRef(a+2, b); ok && m.textCols[name] && a+n+5 == b && IsSymbol(m.toks, a+2+n, ",") &&
			m.toks[a+3+n].Kind == String && IsSymbol(m.toks, a+4+n, ")") {
			if s := m.toks[a+3+n].Text; len(s) >= minNeedle {
				m.out.Needles = append(m.out.Needles, s)
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
