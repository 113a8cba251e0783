package lakehouse

import (
	"context"
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/sqlliteral"
	"github.com/micromegas-go/micromegas/internal/sqltext"
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

// bindTableArgs replaces the markers inside table-function calls by
// literals of their values. The other markers are renumbered $1, $2, ...
// in the order of the values they take, which rest holds. When no marker
// is inside a table-function call, sql and args are returned unchanged
// and the engine checks their count.
func (l *Lakehouse) bindTableArgs(sql string, args []any) (text string, rest []any, err error) {
	toks, err := sqltext.Scan(sql)
	if err != nil {
		return "", nil, &QueryError{fmt.Errorf("cannot read the query: %w", err)}
	}
	marks, err := sqltext.Placeholders(toks)
	if err != nil {
		return "", nil, &QueryError{err}
	}
	calls, err := sqltext.FindCalls(toks, l.tableFunctionNames())
	if err != nil {
		return "", nil, &QueryError{err}
	}
	inCall := func(m sqltext.Placeholder) bool {
		for _, c := range calls {
			if m.Start >= c.Start && m.End <= c.End {
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
	if err := sqltext.CheckCount(marks, len(args)); err != nil {
		return "", nil, &QueryError{err}
	}
	renumbered := map[int]int{}
	text, err = sqltext.Rewrite(sql, 0, len(sql), marks, func(m sqltext.Placeholder) (string, error) {
		if inCall(m) {
			lit, err := sqlliteral.Literal(args[m.Index])
			if err != nil {
				return "", &QueryError{fmt.Errorf("parameter %d: %w", m.Index+1, err)}
			}
			return " " + lit + " ", nil
		}
		n, ok := renumbered[m.Index]
		if !ok {
			rest = append(rest, args[m.Index])
			n = len(rest)
			renumbered[m.Index] = n
		}
		return "$" + strconv.Itoa(n), nil
	})
	if err != nil {
		return "", nil, err
	}
	return text, rest, nil
}
