package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestRegisterScalarFunction(t *testing.T) {
	e, _ := openEngine(t, Options{})
	calls := 0
	err := e.RegisterScalarFunction(context.Background(), "shout", ScalarFunction{
		Args: []string{"VARCHAR"}, Result: "VARCHAR", Volatile: true,
		Fn: func(args []any) (any, error) {
			calls++
			if args[0] == nil {
				return nil, nil
			}
			s := args[0].(string)
			if s == "fail" {
				return nil, errors.New("cannot shout fail")
			}
			return strings.ToUpper(s), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Visible from every pooled connection.
	for i := 0; i < 3; i++ {
		res := collect(t, e, `SELECT shout(x) FROM (VALUES ('a'), (NULL)) t(x)`)
		if len(res.rows) != 2 || res.rows[0][0] != "A" || res.rows[1][0] != nil {
			t.Fatalf("got %v", res.rows)
		}
	}
	if _, err := tryCollect(e, `SELECT shout('fail')`); err == nil || !strings.Contains(err.Error(), "cannot shout fail") {
		t.Fatalf("error %v, want the function's", err)
	}
	if calls == 0 {
		t.Fatal("the Go function was never called")
	}
}
