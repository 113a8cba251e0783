package lakehouse

import (
	"strconv"
	"strings"
)

// Time predicates in the SQL text.
//
// A query that says WHERE time >= '2026-01-01' AND time < '2026-01-02'
// about a view should read only the partitions overlapping that day, as if
// the range had come in the query_range headers. findTimeBounds recognizes
// the cases where that is certainly safe and leaves every other query
// alone: it only ever narrows the partitions read, never the rows of the
// query, whose WHERE still applies in full.
//
// A bound is taken from a comparison that is a top-level AND conjunct of
// the WHERE of the SELECT whose FROM clause names the table, when:
//   - the table is a materialized global view named exactly once as a
//     table in the whole text (never inside a string, never with a derived
//     view that reads it, such as processes over blocks), or a
//     view_instance call;
//   - the WHERE has no OR and no CASE at its top level;
//   - the column is one of the view's time columns whose bound is implied
//     by the partition's event-time range (timeColumns), unqualified when
//     the table is alone in its FROM clause, else qualified with its alias
//     (or its name), and the FROM clause has no ASOF, POSITIONAL, LATERAL,
//     SEMI, ANTI or NATURAL join nor a sample;
//   - the other side is a constant: a string literal, a typed literal
//     (TIMESTAMP '...', '...'::TIMESTAMP, CAST('...' AS TIMESTAMP_NS)), a
//     parameter marker (? or $N, alone, ?::TIMESTAMP or CAST(? AS
//     TIMESTAMP)), or, for lower bounds only, now() optionally plus or
//     minus an INTERVAL.
//
// The constants are evaluated by the engine itself (CAST(... AS
// TIMESTAMP_NS), as the comparison does), so DuckDB's rules for time
// strings and offsets apply, and widened by boundMargin. A marker is
// evaluated with its bound value when that value is a time.Time or a
// string and the marker is the only use of its parameter in the query
// (timerange.go); otherwise its bound is dropped.

// timeColumn says which bounds a comparison on a column of a view implies
// about the partitions: lower when every row's value is at most the row's
// largest event time (so column >= x excludes partitions ending before x),
// upper when every row's value is at least the row's smallest event time.
type timeColumn struct{ lower, upper bool }

// timeColumns are the time columns of each view whose comparisons prune
// partitions, following the event-time range the sink records for a row
// (noteRow): log_entries, measures and async_events record [time, time];
// thread_spans, goroutine_states and otel_spans [begin, end]; blocks [begin_time, max(end_time,
// insert_time)]; log_stats [time_bin, time_bin + 1 minute) (a bin
// counts events anywhere in its minute). Every row of a log_stats key
// (which queries sum across partitions) lies in a partition meeting its
// time_bin, so pruning on time_bin never changes a sum.
var timeColumns = map[string]map[string]timeColumn{
	LogEntriesView:      {"time": {lower: true, upper: true}},
	MeasuresView:        {"time": {lower: true, upper: true}},
	AsyncEventsView:     {"time": {lower: true, upper: true}},
	LogStatsView:        {"time_bin": {lower: true, upper: true}},
	MeasureStatsView:    {"time_bin": {lower: true, upper: true}},
	ThreadSpansView:     {"end": {lower: true}, "begin": {upper: true}},
	GoroutineStatesView: {"end": {lower: true}, "begin": {upper: true}},
	OtelSpansView:       {"end": {lower: true}, "begin": {upper: true}},
	BlocksView:          {"end_time": {lower: true}, "insert_time": {lower: true}, "begin_time": {upper: true}},
}

// boundExpr is the SQL text of one bound and its byte range in the query
// (to find the parameter markers it holds).
type boundExpr struct {
	text       string
	start, end int
}

// boundExprs are the lower and upper bounds the WHERE of a query puts on
// the time of one table, and the literal runs its text columns must
// contain (msgneedles.go).
type boundExprs struct {
	lower, upper []boundExpr
	needles      []string
	// ids are the trace ids one of which every row must have
	// (traceneedles.go).
	ids []string
}

func (b boundExprs) empty() bool {
	return len(b.lower) == 0 && len(b.upper) == 0 && len(b.needles) == 0 && len(b.ids) == 0
}

// instanceKey is the key of a view_instance call in the map returned by
// findTimeBounds (global views are keyed by their name).
func instanceKey(c call) string { return "view_instance@" + strconv.Itoa(c.start) }

// findTimeBounds returns the time bounds the query's WHERE clauses put on
// its global views and view_instance calls (see the comment at the top of
// the file for when it does).
func findTimeBounds(sql string, toks []token, calls []call) map[string]boundExprs {
	out := map[string]boundExprs{}
	for i := range toks {
		if w := word(toks, i); w == "sample" || w == "tablesample" {
			return out // a sample of other rows is another sample
		}
	}
	depth := tokenDepths(toks)
	named := identifiers(toks)
	for _, v := range viewSets {
		cols := timeColumns[v.name]
		if !v.materialized() || cols == nil || !named[v.name] || readByDerivedView(v.name, named) || inString(toks, v.name) {
			continue
		}
		var refs []int
		for i, t := range toks {
			if t.kind == tokIdent && strings.EqualFold(t.text, v.name) && !isSymbol(toks, i+1, ".") {
				refs = append(refs, i)
			}
		}
		if len(refs) != 1 || isSymbol(toks, refs[0]-1, ".") {
			continue
		}
		if b := whereBounds(sql, toks, depth, refs[0], refs[0]+1, v.name, cols, textColumns[v.name], idColumns[v.name]); !b.empty() {
			out[v.name] = b
		}
	}
	for _, c := range calls {
		if c.name != "view_instance" {
			continue
		}
		view, err := stringArg(c, 0)
		if err != nil {
			continue
		}
		cols := timeColumns[view]
		first, last := tokenAt(toks, c.start), tokenEndingAt(toks, c.end)
		if cols == nil || first < 0 || last < 0 {
			continue
		}
		if b := whereBounds(sql, toks, depth, first, last+1, "", cols, textColumns[view], idColumns[view]); !b.empty() {
			out[instanceKey(c)] = b
		}
	}
	return out
}

// whereBounds finds the bounds on cols in the WHERE of the SELECT whose
// FROM clause holds the table reference toks[first:next]; name is the
// name the table can be qualified with when it has no alias ("" for none).
// It also finds the needles of the text columns text (msgneedles.go)
// and the values required of the id columns ids (traceneedles.go).
func whereBounds(sql string, toks []token, depth []int, first, next int, name string, cols map[string]timeColumn, text, ids map[string]bool) boundExprs {
	d := depth[first]
	// The reference must start a FROM item: after FROM, JOIN or a comma.
	prev := first - 1
	if prev < 0 || depth[prev] != d {
		return boundExprs{}
	}
	multi := false
	switch {
	case isKeyword(toks, prev, "from"):
	case isKeyword(toks, prev, "join") || isSymbol(toks, prev, ","):
		multi = true
	default:
		return boundExprs{}
	}
	from := prev
	for ; from >= 0 && !(depth[from] == d && isKeyword(toks, from, "from")); from-- {
		if w := word(toks, from); depth[from] < d || (depth[from] == d && (clauseEnds[w] || w == "select" ||
			w == "where" || isSymbol(toks, from, ";"))) {
			return boundExprs{}
		}
	}
	if from < 0 {
		return boundExprs{}
	}
	// An optional alias, then the rest of the FROM clause up to WHERE.
	k := next
	alias := ""
	if isKeyword(toks, k, "as") {
		if k+1 >= len(toks) || toks[k+1].kind != tokIdent {
			return boundExprs{}
		}
		alias, k = toks[k+1].text, k+2
	} else if k < len(toks) && toks[k].kind == tokIdent && depth[k] == d && !fromKeywords[word(toks, k)] {
		alias, k = toks[k].text, k+1
	}
	if isSymbol(toks, k, "(") {
		return boundExprs{} // columns renamed by the alias, or not a table
	}
	where := -1
	for ; k < len(toks); k++ {
		if depth[k] < d {
			return boundExprs{}
		}
		if depth[k] > d {
			multi = true
			continue
		}
		w := word(toks, k)
		if w == "where" {
			where = k
			break
		}
		if isSymbol(toks, k, ";") || clauseEnds[w] || w == "select" {
			return boundExprs{}
		}
		multi = true
	}
	if where < 0 {
		return boundExprs{}
	}
	for i := from + 1; i < where; i++ {
		if depth[i] == d && unsafeFromWords[word(toks, i)] {
			return boundExprs{}
		}
	}
	end := where + 1
	for end < len(toks) && depth[end] >= d && !(depth[end] == d && (isSymbol(toks, end, ";") ||
		clauseEnds[word(toks, end)] || word(toks, end) == "using")) {
		end++
	}
	if end < len(toks) && depth[end] == d && isKeyword(toks, end-1, "within") {
		return boundExprs{}
	}
	qual := name
	if alias != "" {
		qual = alias
	}
	m := &boundMatcher{sql: sql, toks: toks, depth: depth, cols: cols, text: text, ids: ids, qual: qual, needQual: multi}
	m.conjunction(where+1, end, d)
	return m.out
}

// boundMatcher collects the bounds of the conjuncts of a WHERE clause.
type boundMatcher struct {
	sql      string
	toks     []token
	depth    []int
	cols     map[string]timeColumn
	text     map[string]bool // the text columns whose needles are taken
	ids      map[string]bool // the id columns whose required values are taken
	qual     string          // the qualifier a column may carry ("" = none allowed)
	needQual bool            // other tables share the FROM clause
	out      boundExprs
}

// conjunction splits toks[a:b] (at paren depth d) on its top-level ANDs
// and matches each conjunct; it takes nothing from an expression with an
// OR or a CASE at that level.
func (m *boundMatcher) conjunction(a, b, d int) {
	for i := a; i < b; i++ {
		if m.depth[i] == d && (isKeyword(m.toks, i, "or") || isKeyword(m.toks, i, "case")) {
			return
		}
	}
	start, between := a, false
	for i := a; i <= b; i++ {
		if i < b && m.depth[i] == d && isKeyword(m.toks, i, "between") {
			between = true
		}
		if i < b && !(m.depth[i] == d && isKeyword(m.toks, i, "and")) {
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
	if isSymbol(m.toks, a, "(") && isSymbol(m.toks, b-1, ")") && m.depth[b-1] == d && m.closes(a, b-1) {
		m.conjunction(a+1, b-1, d+1)
		return
	}
	if m.needle(a, b) || m.traceIDs(a, b) {
		return
	}
	// col BETWEEN lo AND hi
	if n, col, ok := m.column(a, b); ok && isKeyword(m.toks, a+n, "between") {
		and := -1
		for i := a + n + 1; i < b; i++ {
			if m.depth[i] == d && isKeyword(m.toks, i, "and") {
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
		if m.depth[i] != d || m.toks[i].kind != tokSymbol {
			continue
		}
		switch s := m.toks[i].text; s {
		case "<", ">", "=", "!":
			if opStart >= 0 || isSymbol(m.toks, i-1, "-") {
				return // two comparisons, or a lambda arrow
			}
			opStart, opEnd, op = i, i+1, s
			if isSymbol(m.toks, i+1, "=") && m.toks[i+1].start == m.toks[i].end {
				op += "="
				opEnd++
				i++
			} else if s == "<" && isSymbol(m.toks, i+1, ">") {
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
func (m *boundMatcher) column(a, b int) (int, timeColumn, bool) {
	n, name, ok := m.columnRef(a, b)
	if !ok {
		return 0, timeColumn{}, false
	}
	c, ok := m.cols[name]
	return n, c, ok
}

// columnRef matches a reference to a column of the table at toks[a:b):
// qualified with the table's alias or name, or bare when the table is
// alone in its FROM clause. It returns its length in tokens and the
// column's name in lower case.
func (m *boundMatcher) columnRef(a, b int) (int, string, bool) {
	if a >= b || m.toks[a].kind != tokIdent {
		return 0, "", false
	}
	if isSymbol(m.toks, a+1, ".") && a+2 < b {
		if m.qual == "" || !strings.EqualFold(m.toks[a].text, m.qual) || m.toks[a+2].kind != tokIdent || isSymbol(m.toks, a+3, ".") {
			return 0, "", false
		}
		return 3, strings.ToLower(m.toks[a+2].text), true
	}
	if m.needQual || isSymbol(m.toks, a+1, "(") {
		return 0, "", false
	}
	return 1, strings.ToLower(m.toks[a].text), true
}

// add records the constant toks[a:b) as a bound of col, when col can
// take it.
func (m *boundMatcher) add(col timeColumn, a, b int, lower, upper bool) {
	if a >= b {
		return
	}
	isNow, ok := constantTime(m.toks[a:b])
	if !ok {
		return
	}
	start, end := m.toks[a].start, m.toks[b-1].end
	text := boundExpr{text: m.sql[start:end], start: start, end: end}
	if lower && col.lower {
		m.out.lower = append(m.out.lower, text)
	}
	if upper && col.upper && !isNow {
		// now() is evaluated before the query runs, so it is smaller than
		// the query's own now(): safe as a lower bound only.
		m.out.upper = append(m.out.upper, text)
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
func constantTime(t []token) (isNow, ok bool) {
	kw := func(i int, w string) bool { return i < len(t) && t[i].kind == tokIdent && t[i].text == w }
	sym := func(i int, s string) bool { return i < len(t) && t[i].kind == tokSymbol && t[i].text == s }
	typ := func(i int) bool { return i < len(t) && t[i].kind == tokIdent && timeTypes[strings.ToLower(t[i].text)] }
	str := func(i int) bool { return i < len(t) && t[i].kind == tokString }
	// value returns the number of tokens of the string literal or
	// parameter marker at i (0: none).
	value := func(i int) int {
		switch {
		case str(i) || sym(i, "?"):
			return 1
		case sym(i, "$") && i+1 < len(t) && t[i+1].kind == tokNumber && t[i+1].start == t[i].end:
			return 2
		}
		return 0
	}
	switch n, c := value(0), value(2); {
	case n > 0 && len(t) == n:
		return false, true
	case len(t) == 2 && typ(0) && str(1):
		return false, true
	case n > 0 && len(t) == n+3 && sym(n, ":") && sym(n+1, ":") && typ(n+2) && t[n+1].start == t[n].end:
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
		case n == 2 && (str(5) || (t[5].kind == tokNumber)) && t[6].kind == tokIdent:
		default:
			return false, false
		}
		return true, true
	}
	return false, false
}

// tokenDepths returns the parenthesis depth of every token; parentheses
// belong to the level outside them.
func tokenDepths(toks []token) []int {
	out := make([]int, len(toks))
	d := 0
	for i, t := range toks {
		if t.kind == tokSymbol && t.text == ")" && d > 0 {
			d--
		}
		out[i] = d
		if t.kind == tokSymbol && t.text == "(" {
			d++
		}
	}
	return out
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

// readByDerivedView reports whether a view computed with SQL over view is
// named in the query (its rows would see the pruned table too).
func readByDerivedView(view string, named map[string]bool) bool {
	for _, v := range viewSets {
		if v.sql == "" || !named[v.name] {
			continue
		}
		for _, d := range v.deps {
			if d == view {
				return true
			}
		}
	}
	return false
}

// inString reports whether a string literal mentions name (such as
// query_table('log_entries')).
func inString(toks []token, name string) bool {
	for _, t := range toks {
		if t.kind == tokString && strings.Contains(strings.ToLower(t.text), name) {
			return true
		}
	}
	return false
}

func isSymbol(toks []token, i int, s string) bool {
	return i >= 0 && i < len(toks) && toks[i].kind == tokSymbol && toks[i].text == s
}

// isKeyword reports whether toks[i] is the bare identifier w (lower case).
func isKeyword(toks []token, i int, w string) bool { return word(toks, i) == w }

// word returns the text of toks[i] when it is a bare (unquoted)
// identifier, which may be a keyword, else "".
func word(toks []token, i int) string {
	if i < 0 || i >= len(toks) || toks[i].kind != tokIdent || toks[i].end-toks[i].start != len(toks[i].text) {
		return ""
	}
	return toks[i].text
}

// tokenAt returns the index of the token starting at byte pos, or -1.
func tokenAt(toks []token, pos int) int {
	for i, t := range toks {
		if t.start == pos {
			return i
		}
	}
	return -1
}

// tokenEndingAt returns the index of the token ending at byte pos, or -1.
func tokenEndingAt(toks []token, pos int) int {
	for i, t := range toks {
		if t.end == pos {
			return i
		}
	}
	return -1
}
