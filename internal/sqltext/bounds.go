package sqltext

import (
	"strconv"
	"strings"
)

// Time predicates in the SQL text.
//
// A query that says WHERE time >= '2026-01-01' AND time < '2026-01-02'
// about a view should read only the partitions overlapping that day, as if
// the range had come in the query_range headers. FindBounds recognizes
// the cases where that is certainly safe and leaves every other query
// alone: it only ever narrows the partitions read, never the rows of the
// query, whose WHERE still applies in full.
//
// A bound is taken from a comparison that is a top-level AND conjunct of
// the WHERE of the SELECT whose FROM clause names the table, when:
//   - the table is a table of the Schema named exactly once as a
//     table in the whole text (never inside a string, never with a derived
//     view that reads it, such as processes over blocks: Table.ReadBy),
//     or a view_instance call of one of Schema.Instances;
//   - the WHERE has no OR and no CASE at its top level;
//   - the column is one of the table's time columns whose bound is implied
//     by the partition's event-time range (Table.Time), unqualified when
//     the table is alone in its FROM clause, else qualified with its alias
//     (or its name), and the FROM clause has no ASOF, POSITIONAL, LATERAL,
//     SEMI, ANTI or NATURAL join nor a sample;
//   - the other side is a constant: a string literal, a typed literal
//     (TIMESTAMP '...', '...'::TIMESTAMP, CAST('...' AS TIMESTAMP_NS)), a
//     parameter marker (? or $N, alone, ?::TIMESTAMP or CAST(? AS
//     TIMESTAMP)), or, for lower bounds only, now() optionally plus or
//     minus an INTERVAL.
//
// FindBounds returns the constants as text. The lakehouse evaluates them
// with the engine itself (CAST(... AS TIMESTAMP_NS), as the comparison
// does), so DuckDB's rules for time strings and offsets apply, and widens
// them by a margin. It evaluates a marker with its bound value when that
// value is a time.Time or a string and the marker is the only use of its
// parameter in the query (its timerange.go); otherwise the bound is
// dropped.

// TimeColumn says which bounds a comparison on a column of a table
// implies about its partitions: Lower when every row's value is at most
// the row's largest event time (so column >= x excludes partitions ending
// before x), Upper when every row's value is at least the row's smallest
// event time.
type TimeColumn struct{ Lower, Upper bool }

// Table is what FindBounds knows of a table: its columns whose predicates
// it reads.
type Table struct {
	// Time are the time columns whose comparisons bound the partitions.
	Time map[string]TimeColumn
	// Text are the text columns whose substrings are needles (needles.go).
	Text map[string]bool
	// IDs are the id columns whose required values are taken (ids.go).
	IDs map[string]bool
	// ReadBy are the views computed with SQL over this table: a query
	// that names one of them is not pruned on this table.
	ReadBy []string
}

// Schema is the set of tables FindBounds reads predicates of.
type Schema struct {
	// Tables are the tables named as such in FROM clauses, by name.
	Tables map[string]Table
	// Instances are the tables view_instance('name', ...) makes, by name.
	Instances map[string]Table
}

// Expr is the SQL text of one bound and its byte range in the query
// (to find the parameter markers it holds).
type Expr struct {
	Text       string
	Start, End int
}

// Bounds are the lower and upper bounds the WHERE of a query puts on the
// time of one table, the literal runs its text columns must contain
// (needles.go), and the ids one of which every row must have (ids.go).
type Bounds struct {
	Lower, Upper []Expr
	Needles      []string
	IDs          []string
}

func (b Bounds) empty() bool {
	return len(b.Lower) == 0 && len(b.Upper) == 0 && len(b.Needles) == 0 && len(b.IDs) == 0
}

// InstanceKey is the key of a view_instance call in the map FindBounds
// returns (tables are keyed by their name).
func InstanceKey(c Call) string { return "view_instance@" + strconv.Itoa(c.Start) }

// FindBounds returns the bounds the query's WHERE clauses put on the
// tables of s and on its view_instance calls (see the comment at the top
// of the file for when it does).
func FindBounds(sql string, toks []Token, calls []Call, s *Schema) map[string]Bounds {
	out := map[string]Bounds{}
	for i := range toks {
		if w := Word(toks, i); w == "sample" || w == "tablesample" {
			return out // a sample of other rows is another sample
		}
	}
	depth := Depths(toks)
	named := Identifiers(toks)
	for name, t := range s.Tables {
		if t.Time == nil || !named[name] || anyNamed(t.ReadBy, named) || InString(toks, name) {
			continue
		}
		var refs []int
		for i, tk := range toks {
			if tk.Kind == Ident && strings.EqualFold(tk.Text, name) && !IsSymbol(toks, i+1, ".") {
				refs = append(refs, i)
			}
		}
		if len(refs) != 1 || IsSymbol(toks, refs[0]-1, ".") {
			continue
		}
		if b := whereBounds(sql, toks, depth, refs[0], refs[0]+1, name, t); !b.empty() {
			out[name] = b
		}
	}
	for _, c := range calls {
		if c.Name != "view_instance" {
			continue
		}
		view, err := c.StringArg(0)
		if err != nil {
			continue
		}
		t := s.Instances[view]
		first, last := TokenAt(toks, c.Start), TokenEndingAt(toks, c.End)
		if t.Time == nil || first < 0 || last < 0 {
			continue
		}
		if b := whereBounds(sql, toks, depth, first, last+1, "", t); !b.empty() {
			out[InstanceKey(c)] = b
		}
	}
	return out
}

// anyNamed reports whether one of names is in named.
func anyNamed(names []string, named map[string]bool) bool {
	for _, n := range names {
		if named[n] {
			return true
		}
	}
	return false
}

// whereBounds finds the bounds on cols in the WHERE of the SELECT whose
// FROM clause holds the table reference toks[first:next]; name is the
// name the table can be qualified with when it has no alias ("" for none).
// It also finds the needles of the text columns (needles.go) and the
// values required of the id columns (ids.go).
func whereBounds(sql string, toks []Token, depth []int, first, next int, name string, t Table) Bounds {
	d := depth[first]
	// The reference must start a FROM item: after FROM, JOIN or a comma.
	prev := first - 1
	if prev < 0 || depth[prev] != d {
		return Bounds{}
	}
	multi := false
	switch {
	case IsKeyword(toks, prev, "from"):
	case IsKeyword(toks, prev, "join") || IsSymbol(toks, prev, ","):
		multi = true
	default:
		return Bounds{}
	}
	from := prev
	for ; from >= 0 && !(depth[from] == d && IsKeyword(toks, from, "from")); from-- {
		if w := Word(toks, from); depth[from] < d || (depth[from] == d && (clauseEnds[w] || w == "select" ||
			w == "where" || IsSymbol(toks, from, ";"))) {
			return Bounds{}
		}
	}
	if from < 0 {
		return Bounds{}
	}
	// An optional alias, then the rest of the FROM clause up to WHERE.
	k := next
	alias := ""
	if IsKeyword(toks, k, "as") {
		if k+1 >= len(toks) || toks[k+1].Kind != Ident {
			return Bounds{}
		}
		alias, k = toks[k+1].Text, k+2
	} else if k < len(toks) && toks[k].Kind == Ident && depth[k] == d && !fromKeywords[Word(toks, k)] {
		alias, k = toks[k].Text, k+1
	}
	if IsSymbol(toks, k, "(") {
		return Bounds{} // columns renamed by the alias, or not a table
	}
	where := -1
	for ; k < len(toks); k++ {
		if depth[k] < d {
			return Bounds{}
		}
		if depth[k] > d {
			multi = true
			continue
		}
		w := Word(toks, k)
		if w == "where" {
			where = k
			break
		}
		if IsSymbol(toks, k, ";") || clauseEnds[w] || w == "select" {
			return Bounds{}
		}
		multi = true
	}
	if where < 0 {
		return Bounds{}
	}
	for i := from + 1; i < where; i++ {
		if depth[i] == d && unsafeFromWords[Word(toks, i)] {
			return Bounds{}
		}
	}
	end := where + 1
	for end < len(toks) && depth[end] >= d && !(depth[end] == d && (IsSymbol(toks, end, ";") ||
		clauseEnds[Word(toks, end)] || Word(toks, end) == "using")) {
		end++
	}
	if end < len(toks) && depth[end] == d && IsKeyword(toks, end-1, "within") {
		return Bounds{}
	}
	qual := name
	if alias != "" {
		qual = alias
	}
	m := &boundMatcher{sql: sql, toks: toks, depth: depth, cols: t.Time, textCols: t.Text, idCols: t.IDs, qual: qual, needQual: multi}
	m.conjunction(where+1, end, d)
	return m.out
}

// boundMatcher collects the bounds of the conjuncts of a WHERE clause.
type boundMatcher struct {
	sql      string
	toks     []Token
	depth    []int
	cols     map[string]TimeColumn
	textCols map[string]bool // the text columns whose needles are taken
	idCols   map[string]bool // the id columns whose required values are taken
	qual     string          // the qualifier a column may carry ("" = none allowed)
	needQual bool            // other tables share the FROM clause
	out      Bounds
}

// conjunction splits toks[a:b] (at paren depth d) on its top-level ANDs
// and matches each conjunct; it takes nothing from an expression with an
// OR or a CASE at that level.
func (m *boundMatcher) conjunction(a, b, d int) {
	for i := a; i < b; i++ {
		if m.depth[i] == d && (IsKeyword(m.toks, i, "or") || IsKeyword(m.toks, i, "case")) {
			return
		}
	}
	start, between := a, false
	for i := a; i <= b; i++ {
		if i < b && m.depth[i] == d && IsKeyword(m.toks, i, "between") {
			between = true
		}
		if i < b && !(m.depth[i] == d && IsKeyword(m.toks, i, "and")) {
			continue
		}
		if i < b && between {
			between = false
			continue
		}
		m.conjunct(start, i, d)
		start = i + 1
	}
}

// conjunct matches one conjunct toks[a:b]: a parenthesized conjunction,
// a comparison of a time column with a constant, or a substring match
// of a text column (needle).
func (m *boundMatcher) conjunct(a, b, d int) {
	if a >= b {
		return
	}
	if IsSymbol(m.toks, a, "(") && IsSymbol(m.toks, b-1, ")") && m.depth[b-1] == d && m.closes(a, b-1) {
		m.conjunction(a+1, b-1, d+1)
		return
	}
	if m.needle(a, b) || m.traceIDs(a, b) {
		return
	}
	// col BETWEEN lo AND hi
	if n, col, ok := m.column(a, b); ok && IsKeyword(m.toks, a+n, "between") {
		and := -1
		for i := a + n + 1; i < b; i++ {
			if m.depth[i] == d && IsKeyword(m.toks, i, "and") {
				and = i
				break
			}
		}
		if and < 0 {
			return
		}
		m.add(col, a+n+1, and, true, false)
		m.add(col, and+1, b, false, true)
		return
	}
	// col op value, or value op col.
	op, opStart, opEnd := "", -1, -1
	for i := a; i < b; i++ {
		if m.depth[i] != d || m.toks[i].Kind != Symbol {
			continue
		}
		switch s := m.toks[i].Text; s {
		case "<", ">", "=", "!":
			if opStart >= 0 || IsSymbol(m.toks, i-1, "-") {
				return // two comparisons, or a lambda arrow
			}
			opStart, opEnd, op = i, i+1, s
			if IsSymbol(m.toks, i+1, "=") && m.toks[i+1].Start == m.toks[i].End {
				op += "="
				opEnd++
				i++
			} else if s == "<" && IsSymbol(m.toks, i+1, ">") {
				return
			}
		}
	}
	if opStart < 0 {
		return
	}
	lower, upper := false, false
	switch op {
	case ">", ">=":
		lower = true
	case "<", "<=":
		upper = true
	case "=", "==":
		lower, upper = true, true
	default:
		return
	}
	if n, col, ok := m.column(a, opStart); ok && a+n == opStart {
		m.add(col, opEnd, b, lower, upper)
	} else if n, col, ok := m.column(opEnd, b); ok && opEnd+n == b {
		m.add(col, a, opStart, upper, lower) // value op col: the bound flips
	}
}

// closes reports whether the "(" at a is closed by the ")" at c.
func (m *boundMatcher) closes(a, c int) bool {
	for i := a + 1; i < c; i++ {
		if m.depth[i] <= m.depth[a] {
			return false
		}
	}
	return true
}

// column matches a time column reference at toks[a:b) and returns its
// length in tokens and its capabilities.
func (m *boundMatcher) column(a, b int) (int, TimeColumn, bool) {
	n, name, ok := m.columnRef(a, b)
	if !ok {
		return 0, TimeColumn{}, false
	}
	c, ok := m.cols[name]
	return n, c, ok
}

// columnRef matches a reference to a column of the table at toks[a:b):
// qualified with the table's alias or name, or bare when the table is
// alone in its FROM clause. It returns its length in tokens and the
// column's name in lower case.
func (m *boundMatcher) columnRef(a, b int) (int, string, bool) {
	if a >= b || m.toks[a].Kind != Ident {
		return 0, "", false
	}
	if IsSymbol(m.toks, a+1, ".") && a+2 < b {
		if m.qual == "" || !strings.EqualFold(m.toks[a].Text, m.qual) || m.toks[a+2].Kind != Ident || IsSymbol(m.toks, a+3, ".") {
			return 0, "", false
		}
		return 3, strings.ToLower(m.toks[a+2].Text), true
	}
	if m.needQual || IsSymbol(m.toks, a+1, "(") {
		return 0, "", false
	}
	return 1, strings.ToLower(m.toks[a].Text), true
}

// add records the constant toks[a:b) as a bound of col, when col can
// take it.
func (m *boundMatcher) add(col TimeColumn, a, b int, lower, upper bool) {
	if a >= b {
		return
	}
	isNow, ok := constantTime(m.toks[a:b])
	if !ok {
		return
	}
	start, end := m.toks[a].Start, m.toks[b-1].End
	text := Expr{Text: m.sql[start:end], Start: start, End: end}
	if lower && col.Lower {
		m.out.Lower = append(m.out.Lower, text)
	}
	if upper && col.Upper && !isNow {
		// now() is evaluated before the query runs, so it is smaller than
		// the query's own now(): safe as a lower bound only.
		m.out.Upper = append(m.out.Upper, text)
	}
}

// timeTypes are the types a time literal may be written with.
var timeTypes = map[string]bool{"timestamp": true, "timestamp_ns": true, "timestamp_us": true,
	"timestamp_ms": true, "timestamp_s": true, "timestamptz": true, "date": true}

// constantTime matches the constant time expressions a bound may be: a
// value (a string literal or a parameter marker), TYPE 'lit', value::TYPE,
// CAST(value AS TYPE), or now() optionally followed by + or - INTERVAL
// 'n unit' / INTERVAL n unit / INTERVAL 'n' unit. isNow reports the last
// form.
func constantTime(t []Token) (isNow, ok bool) {
	kw := func(i int, w string) bool { return i < len(t) && t[i].Kind == Ident && t[i].Text == w }
	sym := func(i int, s string) bool { return i < len(t) && t[i].Kind == Symbol && t[i].Text == s }
	typ := func(i int) bool { return i < len(t) && t[i].Kind == Ident && timeTypes[strings.ToLower(t[i].Text)] }
	str := func(i int) bool { return i < len(t) && t[i].Kind == String }
	// value returns the number of tokens of the string literal or
	// parameter marker at i (0: none).
	value := func(i int) int {
		switch {
		case str(i) || (i < len(t) && positional(t[i])):
			return 1
		}
		return 0
	}
	switch n, c := value(0), value(2); {
	case n > 0 && len(t) == n:
		return false, true
	case len(t) == 2 && typ(0) && str(1):
		return false, true
	case n > 0 && len(t) == n+3 && sym(n, ":") && sym(n+1, ":") && typ(n+2) && t[n+1].Start == t[n].End:
		return false, true
	case c > 0 && len(t) == c+5 && kw(0, "cast") && sym(1, "(") && kw(2+c, "as") && typ(3+c) && sym(4+c, ")"):
		return false, true
	case len(t) >= 3 && kw(0, "now") && sym(1, "(") && sym(2, ")"):
		rest := t[3:]
		if len(rest) == 0 {
			return true, true
		}
		if !(sym(3, "-") || sym(3, "+")) || !kw(4, "interval") {
			return false, false
		}
		switch n := len(rest) - 2; {
		case n == 1 && str(5):
		case n == 2 && (str(5) || (t[5].Kind == Number)) && t[6].Kind == Ident:
		default:
			return false, false
		}
		return true, true
	}
	return false, false
}

// clauseEnds are the keywords that end a WHERE clause at its level.
var clauseEnds = map[string]bool{"group": true, "having": true, "order": true, "limit": true, "offset": true,
	"qualify": true, "window": true, "union": true, "intersect": true, "except": true, "fetch": true,
	"returning": true}

// fromKeywords may follow a table reference and are not aliases.
var fromKeywords = map[string]bool{"where": true, "join": true, "inner": true, "left": true, "right": true,
	"full": true, "outer": true, "cross": true, "natural": true, "on": true, "using": true, "group": true,
	"order": true, "limit": true, "offset": true, "union": true, "intersect": true, "except": true,
	"having": true, "qualify": true, "window": true, "positional": true, "asof": true, "anti": true,
	"semi": true, "lateral": true, "tablesample": true, "fetch": true, "select": true, "pivot": true,
	"unpivot": true, "as": true}

// unsafeFromWords make a FROM clause whose rows depend on rows the WHERE
// rejects (nearest match, position, per-row subquery, samples), or whose
// columns are hard to attribute.
var unsafeFromWords = map[string]bool{"asof": true, "positional": true, "lateral": true, "semi": true,
	"anti": true, "natural": true, "tablesample": true, "sample": true, "pivot": true, "unpivot": true}

// positional reports whether t is a "?" or "$N" parameter marker.
func positional(t Token) bool {
	return t.Kind == Param && (t.Text == "?" || (t.Text[1] >= '0' && t.Text[1] <= '9'))
}
