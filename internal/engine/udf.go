package engine

import (
	"context"
	"database/sql/driver"
	"fmt"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// ScalarFunction is a Go function callable from SQL on one row at a time.
type ScalarFunction struct {
	// Args and Result are DuckDB type names: "VARCHAR", "BLOB", "BIGINT",
	// "DOUBLE", "BOOLEAN".
	Args   []string
	Result string
	// Fn computes the result of one row; a nil argument is a SQL NULL, and
	// returning nil gives NULL. An error fails the query.
	Fn func(args []any) (any, error)
	// Volatile functions (with side effects, or reading changing data)
	// are called for every row, never folded into a constant.
	Volatile bool
}

type scalarUDF struct {
	cfg duckdb.ScalarFuncConfig
	fn  func(args []any) (any, error)
}

func (s *scalarUDF) Config() duckdb.ScalarFuncConfig { return s.cfg }

func (s *scalarUDF) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(values []driver.Value) (any, error) {
		args := make([]any, len(values))
		for i, v := range values {
			args[i] = v
		}
		return s.fn(args)
	}}
}

// RegisterScalarFunction makes a Go function callable from the SQL of
// every query under name. It is how servers expose functions that need
// their own state (the object store, the catalog); user SQL cannot
// register functions.
func (e *Engine) RegisterScalarFunction(ctx context.Context, name string, f ScalarFunction) error {
	typ := func(n string) (duckdb.TypeInfo, error) {
		t, ok := map[string]duckdb.Type{
			"VARCHAR": duckdb.TYPE_VARCHAR, "BLOB": duckdb.TYPE_BLOB, "BIGINT": duckdb.TYPE_BIGINT,
			"DOUBLE": duckdb.TYPE_DOUBLE, "BOOLEAN": duckdb.TYPE_BOOLEAN,
		}[n]
		if !ok {
			return nil, fmt.Errorf("engine: function %s: unsupported type %q", name, n)
		}
		return duckdb.NewTypeInfo(t)
	}
	var cfg duckdb.ScalarFuncConfig
	for _, a := range f.Args {
		ti, err := typ(a)
		if err != nil {
			return err
		}
		cfg.InputTypeInfos = append(cfg.InputTypeInfos, ti)
	}
	rt, err := typ(f.Result)
	if err != nil {
		return err
	}
	cfg.ResultTypeInfo = rt
	cfg.Volatile = f.Volatile
	cfg.SpecialNullHandling = true
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("engine: connect: %w", err)
	}
	defer conn.Close()
	if err := duckdb.RegisterScalarUDF(conn, name, &scalarUDF{cfg: cfg, fn: f.Fn}); err != nil {
		return fmt.Errorf("engine: register function %s: %w", name, err)
	}
	return nil
}
