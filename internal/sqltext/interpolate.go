package sqltext

import (
	"fmt"

	"github.com/micromegas-go/micromegas/internal/sqlliteral"
)

// Interpolate returns sql with its parameter markers ("?" or "$N")
// replaced by SQL literals of params, for engines that cannot bind
// parameters. Values are rendered so that they cannot change the
// structure of the statement: strings are quoted with doubled quotes,
// binary values are hex blob literals, and every literal is surrounded by
// spaces and, when negative, by parentheses (sqlliteral.Literal).
//
// Supported values: nil, bool, signed and unsigned integers, float32,
// float64, string, []byte and time.Time (rendered as TIMESTAMP_NS in UTC).
// Named markers ($name) are an error.
func Interpolate(sql string, params []any) (string, error) {
	toks, err := Scan(sql)
	if err != nil {
		return "", fmt.Errorf("cannot read the query: %w", err)
	}
	if t, ok := Named(toks); ok {
		return "", fmt.Errorf("named parameter %s is not supported: use ? or numbered markers ($1, $2)", t.Text)
	}
	marks, err := Placeholders(toks)
	if err != nil {
		return "", err
	}
	if err := CheckCount(marks, len(params)); err != nil {
		return "", err
	}
	return Rewrite(sql, 0, len(sql), marks, func(m Placeholder) (string, error) {
		lit, err := sqlliteral.Literal(params[m.Index])
		if err != nil {
			return "", fmt.Errorf("parameter %d: %w", m.Index+1, err)
		}
		return " " + lit + " ", nil
	})
}
