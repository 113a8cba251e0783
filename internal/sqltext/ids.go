package sqltext

// Trace ids the SQL text requires.
//
// A conjunct of the WHERE clause that FindBounds reads (the same
// tables, the same top-level AND conjuncts, the same rules on OR, CASE,
// joins and qualifiers) of the form
//
//	col = 'literal'   ('literal' = col)
//	col IN ('a', 'b', ...)   (not NOT IN)
//
// on an id column of the table (Table.IDs) keeps only rows whose col is
// one of the literals: a file whose trace id filter holds none of them
// holds no row the WHERE keeps (the lakehouse's tracefilter.go). When several
// such conjuncts apply, the literals of all of them are kept: a file is
// read when it may hold any, which is never fewer files than needed.

// traceIDs matches an id conjunct toks[a:b) and records its literals; it
// reports whether the conjunct had that form.
func (m *boundMatcher) traceIDs(a, b int) bool {
	if len(m.idCols) == 0 {
		return false
	}
	// col = 'literal'
	if n, name, ok := m.columnRef(a, b); ok && m.idCols[name] && a+n+2 == b && IsSymbol(m.toks, a+n, "=") &&
		m.toks[a+n+1].Kind == String {
		m.out.IDs = append(m.out.IDs, m.toks[a+n+1].Text)
		return true
	}
	// 'literal' = col
	if a+2 < b && m.toks[a].Kind == String && IsSymbol(m.toks, a+1, "=") {
		if n, name, ok := m.columnRef(a+2, b); ok && m.idCols[name] && a+2+n == b {
			m.out.IDs = append(m.out.IDs, m.toks[a].Text)
			return true
		}
	}
	// col IN ('a', 'b', ...)
	n, name, ok := m.columnRef(a, b)
	if !ok || !m.idCols[name] || !IsKeyword(m.toks, a+n, "in") || !IsSymbol(m.toks, a+n+1, "(") || !IsSymbol(m.toks, b-1, ")") {
		return false
	}
	var lits []string
	for i := a + n + 2; i < b-1; i += 2 {
		if m.toks[i].Kind != String || !(IsSymbol(m.toks, i+1, ",") || i+1 == b-1) {
			return false
		}
		lits = append(lits, m.toks[i].Text)
	}
	if len(lits) == 0 {
		return false
	}
	m.out.IDs = append(m.out.IDs, lits...)
	return true
}
