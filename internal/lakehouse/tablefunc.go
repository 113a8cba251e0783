package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/micromegas-go/micromegas/internal/arrowvalue"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/sqltext"
)

// TableFunction is a table function written in Go outside the lakehouse
// and registered with Options.TableFunctions. A call anywhere in a query,
// such as
//
//	SELECT count(*) FROM perfetto_trace_chunks('<pid>', 'both', now() - INTERVAL 1 HOUR, now())
//
// is replaced, before the engine sees the SQL, by a per-query table
// holding the rows Run writes, so the result can be filtered, joined and
// aggregated like any table.
type TableFunction struct {
	// Describe checks the arguments and returns the schema of the result
	// without reading data: Lakehouse.Describe calls it instead of Run.
	Describe func(ctx context.Context, call TableCall) (*arrow.Schema, error)
	// Run checks the arguments and passes the rows, in order, to emit,
	// which writes them to the per-query table and does not keep the batch
	// (the caller still releases it). Every batch has the returned schema,
	// which is also the table's schema when no row is emitted.
	Run func(ctx context.Context, call TableCall, emit func(arrow.RecordBatch) error) (*arrow.Schema, error)
}

// TableCall is one call of a TableFunction.
type TableCall struct {
	// Name is the function's name, in lower case.
	Name string
	// Args are the values of the arguments, each evaluated as a SQL
	// expression before the call: nil (NULL), string, int64, uint64,
	// float64, bool, time.Time (UTC; for TIMESTAMP, TIMESTAMPTZ and DATE
	// values) or []byte; other types come as their text. An argument may
	// be a scalar subquery over the views.
	Args []any
	// Opts are the options of the query that makes the call, without its
	// Limit (which applies to the query's result).
	Opts QueryOptions
	// Lake runs the queries the function needs.
	Lake *Lakehouse
}

// String returns argument i, which must be a string.
func (c TableCall) String(i int) (string, error) {
	if i >= len(c.Args) {
		return "", fmt.Errorf("argument %d is missing", i+1)
	}
	s, ok := c.Args[i].(string)
	if !ok {
		return "", fmt.Errorf("argument %d must be a string, got %s", i+1, describeArg(c.Args[i]))
	}
	return s, nil
}

// Time returns argument i, which must be a timestamp or a string such as
// '2024-01-02T03:04:05Z' or '2024-01-02 03:04:05' (UTC unless it has a
// zone).
func (c TableCall) Time(i int) (time.Time, error) {
	if i >= len(c.Args) {
		return time.Time{}, fmt.Errorf("argument %d is missing", i+1)
	}
	switch v := c.Args[i].(type) {
	case time.Time:
		return v, nil
	case string:
		if t, ok := parseTimeText(v); ok {
			return t, nil
		}
		return time.Time{}, fmt.Errorf("argument %d: %q is not a timestamp such as '2024-01-02T03:04:05Z'", i+1, v)
	}
	return time.Time{}, fmt.Errorf("argument %d must be a timestamp, got %s", i+1, describeArg(c.Args[i]))
}

// parseTimeText reads RFC 3339 and "2006-01-02 15:04:05" forms, UTC
// unless they carry a zone.
func parseTimeText(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999Z07", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func describeArg(v any) string {
	if v == nil {
		return "NULL"
	}
	return fmt.Sprintf("%T %v", v, v)
}

// builtinTableFunction reports whether name is one of the lakehouse's own
// table functions.
func builtinTableFunction(name string) bool { return tableFunctions[name] }

// checkTableFunctions validates Options.TableFunctions and returns them
// keyed by lower-case name.
func checkTableFunctions(fns map[string]TableFunction) (map[string]TableFunction, error) {
	if len(fns) == 0 {
		return nil, nil
	}
	out := make(map[string]TableFunction, len(fns))
	for name, fn := range fns {
		lower := strings.ToLower(name)
		switch {
		case !sqltext.IsIdentifier(lower):
			return nil, fmt.Errorf("table function %q: not a SQL identifier", name)
		case builtinTableFunction(lower):
			return nil, fmt.Errorf("table function %q: the lakehouse defines it", name)
		case fn.Describe == nil || fn.Run == nil:
			return nil, fmt.Errorf("table function %q: Describe and Run are required", name)
		}
		if _, dup := out[lower]; dup {
			return nil, fmt.Errorf("table function %q: registered twice", name)
		}
		out[lower] = fn
	}
	return out, nil
}

// tableFunctionNames returns the names findCalls looks for: the built-in
// table functions and the registered ones.
func (l *Lakehouse) tableFunctionNames() map[string]bool {
	if len(l.opts.TableFunctions) == 0 {
		return tableFunctions
	}
	names := make(map[string]bool, len(tableFunctions)+len(l.opts.TableFunctions))
	for n := range tableFunctions {
		names[n] = true
	}
	for n := range l.opts.TableFunctions {
		names[n] = true
	}
	return names
}

// goTableFunction makes the per-query table of a call of a registered
// function: its schema when describing, else a Parquet file of its rows.
func (q *queryPlan) goTableFunction(ctx context.Context, c sqltext.Call, name string, fn TableFunction) (engine.Table, error) {
	args, err := q.evalArgs(ctx, c)
	if err != nil {
		return engine.Table{}, err
	}
	tc := TableCall{Name: c.Name, Args: args, Opts: q.opts, Lake: q.l}
	tc.Opts.Limit = 0
	if q.describe {
		schema, err := fn.Describe(ctx, tc)
		if err != nil {
			return engine.Table{}, err
		}
		return engine.Table{Name: name, Schema: schema}, nil
	}
	f := &tableFiles{dir: filepath.Join(q.l.opts.CacheDir, tailDir), maxBytes: tableFileBytes}
	defer f.abort()
	schema, err := fn.Run(ctx, tc, f.write)
	if err != nil {
		return engine.Table{}, err
	}
	paths, err := f.close(schema)
	if err != nil {
		return engine.Table{}, fmt.Errorf("%s: %w", c.Name, err)
	}
	q.temps = append(q.temps, paths...)
	if schema == nil {
		schema = f.schema
	}
	if schema == nil {
		return engine.Table{}, fmt.Errorf("%s: the function returned no schema", c.Name)
	}
	return engine.Table{Name: name, Schema: schema, Files: paths}, nil
}

// evalArgs returns the values of the arguments of c: string and number
// literals are read directly, every other argument is evaluated by one
// query through the lakehouse, so that now(), casts, intervals and scalar
// subqueries over the views work.
func (q *queryPlan) evalArgs(ctx context.Context, c sqltext.Call) ([]any, error) {
	args := make([]any, len(c.Args))
	var exprs []string
	var idx []int
	for i, a := range c.Args {
		if len(a) == 0 {
			return nil, &QueryError{fmt.Errorf("%s: argument %d is empty", c.Name, i+1)}
		}
		if len(a) == 1 {
			switch a[0].Kind {
			case sqltext.String:
				args[i] = a[0].Text
				continue
			case sqltext.Number:
				if n, err := strconv.ParseInt(a[0].Text, 10, 64); err == nil {
					args[i] = n
					continue
				}
			}
		}
		exprs = append(exprs, fmt.Sprintf("(%s) AS a%d", c.ArgText(q.sql, i), i))
		idx = append(idx, i)
	}
	if len(exprs) == 0 {
		return args, nil
	}
	opts := q.opts
	opts.Limit = 0
	rdr, err := q.l.Query(ctx, "SELECT "+strings.Join(exprs, ", "), opts)
	if err != nil {
		if errors.Is(err, engine.ErrInvalidQuery) {
			return nil, &QueryError{fmt.Errorf("%s: the arguments must be constant expressions: %w", c.Name, err)}
		}
		return nil, fmt.Errorf("%s: evaluate the arguments: %w", c.Name, err)
	}
	defer rdr.Release()
	if !rdr.Next() || rdr.RecordBatch().NumRows() == 0 {
		if err := rdr.Err(); err != nil {
			return nil, fmt.Errorf("%s: evaluate the arguments: %w", c.Name, err)
		}
		return nil, &QueryError{fmt.Errorf("%s: the arguments have no value", c.Name)}
	}
	rec := rdr.RecordBatch()
	for j, i := range idx {
		args[i] = argValue(rec.Column(j), 0)
	}
	return args, nil
}

// argValue converts cell i of col to the Go value of a TableCall argument;
// a type without one is passed as its text.
func argValue(col arrow.Array, i int) any {
	if v, ok := arrowvalue.At(col, i); ok {
		return v
	}
	return strings.Clone(col.ValueStr(i))
}
