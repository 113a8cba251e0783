package lakehouse

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/micromegas-go/micromegas/internal/engine"

	"github.com/micromegas-go/micromegas/internal/sqlliteral"
)

// QueryParams is Query with args bound to the parameter markers of sql
// ("?" or "$1", "$2", ...), in order. Markers that are arguments of a
// table function (view_instance(?, ?), list_partitions, registered Go
// table functions) are replaced by literals of their values, for planning
// only: the lakehouse must know which view instance to read. Every other
// marker stays a marker and the engine binds its value.
func (l *Lakehouse) QueryParams(ctx context.Context, sql string, args []any, opts QueryOptions) (array.RecordReader, error) {
	text, rest, err := l.bindTableArgs(sql, args)
	if err != nil {
		return nil, err
	}
	return l.query(ctx, text, rest, opts)
}

// DescribeStatement returns the schema of the result of sql and the types
// of its parameters, converting no block. Parameters of table functions
// have no value here, so a query with such markers cannot be described.
func (l *Lakehouse) DescribeStatement(ctx context.Context, sql string) (engine.Statement, error) {
	return l.describe(ctx, sql, nil, false)
}

// DescribeParams is Describe with args bound as QueryParams binds them.
func (l *Lakehouse) DescribeParams(ctx context.Context, sql string, args []any) (engine.Statement, error) {
	text, rest, err := l.bindTableArgs(sql, args)
	if err != nil {
		return engine.Statement{}, err
	}
	return l.describe(ctx, text, rest, true)
}

// marker is one parameter marker of a SQL text.
type marker struct {
	start, end int
	index      int // 0-based parameter index
}

// findMarkers returns the parameter markers among toks: "?" takes the
// next index, "$N" names parameter N.
func findMarkers(toks []token) ([]marker, error) {
	var out []marker
	anon, numbered := false, false
	for i, t := range toks {
		if t.kind != tokSymbol {
			continue
		}
		switch {
		case t.text == "?":
			anon = true
			out = append(out, marker{start: t.start, end: t.end, index: len(out)})
		case t.text == "$" && i+1 < len(toks) && toks[i+1].kind == tokNumber && toks[i+1].start == t.end:
			n, err := strconv.Atoi(toks[i+1].text)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("bad parameter marker $%s: parameters are numbered from $1", toks[i+1].text)
			}
			numbered = true
			out = append(out, marker{start: t.start, end: toks[i+1].end, index: n - 1})
		}
	}
	if anon && numbered {
		return nil, fmt.Errorf("the query mixes ? and $N parameter markers: use one style")
	}
	return out, nil
}

// bindTableArgs replaces the markers inside table-function calls by
// literals of their values. The other markers are renumbered $1, $2, ...
// in the order of the values they take, which rest holds. When no marker
// is inside a table-function call, sql and args are returned unchanged
// and the engine checks their count.
func (l *Lakehouse) bindTableArgs(sql string, args []any) (text string, rest []any, err error) {
	toks, err := scanSQL(sql)
	if err != nil {
		return "", nil, &QueryError{fmt.Errorf("cannot read the query: %w", err)}
	}
	marks, err := findMarkers(toks)
	if err != nil {
		return "", nil, &QueryError{err}
	}
	calls, err := findCalls(toks, l.tableFunctionNames())
	if err != nil {
		return "", nil, &QueryError{err}
	}
	inCall := func(m marker) bool {
		for _, c := range calls {
			if m.start >= c.start && m.end <= c.end {
				return true
			}
		}
		return false
	}
	found := false
	for _, m := range marks {
		found = found || inCall(m)
	}
	if !found {
		return sql, args, nil
	}
	if err := checkParamCount(marks, len(args)); err != nil {
		return "", nil, &QueryError{err}
	}
	renumbered := map[int]int{}
	var b strings.Builder
	last := 0
	for _, m := range marks {
		b.WriteString(sql[last:m.start])
		last = m.end
		if inCall(m) {
			lit, err := sqlliteral.Literal(args[m.index])
			if err != nil {
				return "", nil, &QueryError{fmt.Errorf("parameter %d: %w", m.index+1, err)}
			}
			b.WriteString(" " + lit + " ")
			continue
		}
		n, ok := renumbered[m.index]
		if !ok {
			rest = append(rest, args[m.index])
			n = len(rest)
			renumbered[m.index] = n
		}
		b.WriteString("$" + strconv.Itoa(n))
	}
	b.WriteString(sql[last:])
	return b.String(), rest, nil
}

// checkParamCount checks that the markers use exactly the n values bound.
func checkParamCount(marks []marker, n int) error {
	used := make([]bool, n)
	for _, m := range marks {
		if m.index >= n {
			return fmt.Errorf("the query uses parameter %d but %s bound: bind one value per marker (? or $1, $2, ...)", m.index+1, valueCount(n))
		}
		used[m.index] = true
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
