package lakehouse

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/micromegas-go/micromegas/internal/engine"
)

// unknownTable matches DuckDB's error for a table name it cannot resolve;
// the name is in group 1.
var unknownTable = regexp.MustCompile(`Catalog Error: Table with name ([^ ]+) does not exist!`)

// explainUnknownTable returns err, or, when err is DuckDB's "table does
// not exist" error, the same error with DuckDB's suggestion (a name from
// its own system catalog, such as pg_attribute) replaced by the tables of
// the lakehouse and how to read the views that are not tables of their
// own (view_instance).
func explainUnknownTable(err error) error {
	var qe *engine.QueryError
	if !errors.As(err, &qe) || !qe.Invalid {
		return err
	}
	m := unknownTable.FindStringSubmatchIndex(qe.Msg)
	if m == nil {
		return err
	}
	name := qe.Msg[m[2]:m[3]]
	var sb strings.Builder
	sb.WriteString(qe.Msg[:m[1]])
	sb.WriteString(" ")
	sb.WriteString(tableHint(name))
	// Keep DuckDB's pointer into the query (LINE 1: ...), not its
	// suggestion.
	for _, line := range strings.Split(qe.Msg[m[1]:], "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "Did you mean") {
			continue
		}
		sb.WriteString("\n" + line)
	}
	return &engine.QueryError{Msg: sb.String(), Invalid: true}
}

// tableHint tells what to read instead of the unknown table name.
func tableHint(name string) string {
	name = strings.Trim(strings.ToLower(name), `"`)
	if v, ok := lookupView(name); ok && v.instance != noInstance {
		return fmt.Sprintf("%s has one table per %s: read it with view_instance('%s', '<%s>') (the ids are in the %s table).",
			v.name, v.instance, v.name, v.instance.idColumn(), v.instance.idTable())
	}
	var tables, instanced []string
	for _, v := range viewSets {
		if v.global {
			tables = append(tables, v.name)
		}
		if v.instance != noInstance {
			instanced = append(instanced, fmt.Sprintf("%s (per %s)", v.name, v.instance))
		}
	}
	slices.Sort(tables)
	hint := ""
	if near := nearestName(name, slices.Concat(tables, instancedNames())); near != "" {
		hint = fmt.Sprintf("Did you mean %s? ", near)
	}
	return hint + fmt.Sprintf("The tables are %s. The views %s are read one process or stream at a time with view_instance('<view>', '<process_id or stream_id>'), for example SELECT * FROM view_instance('thread_spans', '<stream_id>').",
		strings.Join(tables, ", "), strings.Join(instanced, ", "))
}

// nearestName returns the name in names closest to s by edit distance,
// or "" when none is close (at most a third of its letters differ).
func nearestName(s string, names []string) string {
	best, bestDist := "", 0
	for _, n := range names {
		d := editDistance(s, n)
		if d <= max(1, len(n)/3) && (best == "" || d < bestDist) {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// String names what an instance id identifies.
func (k instanceKind) String() string {
	switch k {
	case perProcess:
		return "process"
	case perStream:
		return "stream"
	}
	return "global"
}

// idColumn is the column holding the instance ids of k.
func (k instanceKind) idColumn() string { return k.String() + "_id" }

// idTable is the table listing the instance ids of k.
func (k instanceKind) idTable() string {
	if k == perStream {
		return StreamsView
	}
	return ProcessesView
}
