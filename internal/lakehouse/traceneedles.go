package lakehouse

// Trace ids the SQL text requires.
//
// A conjunct of the WHERE clause that findTimeBounds reads (the same
// tables, the same top-level AND conjuncts, the same rules on OR, CASE,
// joins and qualifiers) of the form
//
//	col = 'literal'   ('literal' = col)
//	col IN ('a', 'b', ...)   (not NOT IN)
//
// on an id column of the view (idColumns) keeps only rows whose col is
// one of the literals: a file whose trace id filter holds none of them
// holds no row the WHERE keeps (tracefilter.go, addFiles). When several
// such conjuncts apply, the literals of all of them are kept: a file is
// read when it may hold any, which is never fewer files than needed.

// idColumns are the columns of each view whose files carry a Bloom
// filter of their values.
var idColumns = map[string]map[string]bool{OtelSpansView: {"trace_id": true}}

// traceIDs matches an id conjunct toks[a:b) and records its literals; it
// reports whether the conjunct had that form.
func (m *boundMatcher) traceIDs(a, b int) bool {
	if len(m.ids) == 0 {
		return false
	}
	// col = 'literal'
	if n, name, ok := m.columnRef(a, b); ok && m.ids[name] && a+n+2 == b && isSymbol(m.toks, a+n, "=") &&
		m.toks[a+n+1].kind == tokString {
		m.out.ids = append(m.out.ids, m.toks[a+n+1].text)
		return true
	}
	// 'literal' = col
	if a+2 < b && m.toks[a].kind == tokString && isSymbol(m.toks, a+1, "=") {
		if n, name, ok := m.columnRef(a+2, b); ok && m.ids[name] && a+2+n == b {
			m.out.ids = append(m.out.ids, m.toks[a].text)
			return true
		}
	}
	// col IN ('a', 'b', ...)
	n, name, ok := m.columnRef(a, b)
	if !ok || !m.ids[name] || !isKeyword(m.toks, a+n, "in") || !isSymbol(m.toks, a+n+1, "(") || !isSymbol(m.toks, b-1, ")") {
		return false
	}
	var lits []string
	for i := a + n + 2; i < b-1; i += 2 {
		if m.toks[i].kind != tokString || !(isSymbol(m.toks, i+1, ",") || i+1 == b-1) {
			return false
		}
		lits = append(lits, m.toks[i].text)
	}
	if len(lits) == 0 {
		return false
	}
	m.out.ids = append(m.out.ids, lits...)
	return true
}
