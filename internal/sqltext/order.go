package sqltext

// NewestFirst reports whether the text holds ORDER BY c DESC, where c is
// one of columns (lower case), possibly qualified (t.time). The lakehouse
// lists a view's files newest first for such a query, a hint for DuckDB's
// top-N filter (its fileorder.go).
func NewestFirst(toks []Token, columns map[string]bool) bool {
	for i := range toks {
		if !IsKeyword(toks, i, "order") || !IsKeyword(toks, i+1, "by") {
			continue
		}
		j := i + 2
		if j+2 < len(toks) && toks[j].Kind == Ident && IsSymbol(toks, j+1, ".") {
			j += 2
		}
		if j < len(toks) && toks[j].Kind == Ident && columns[toks[j].Text] && IsKeyword(toks, j+1, "desc") {
			return true
		}
	}
	return false
}
