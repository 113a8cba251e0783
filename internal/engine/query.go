//go:build duckdb_arrow

package engine

import (
	"context"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	bindings "github.com/duckdb/duckdb-go-bindings"
	"github.com/duckdb/duckdb-go/v2/arrowmapping"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// Query runs one SELECT statement with the given tables registered for this
// query only (temporary views on a dedicated connection). The returned
// reader streams Arrow record batches; its Release ends the query and
// returns the connection to the pool. The query also ends, and the reader
// reports ctx's error, when ctx is done or Options.QueryTimeout expires.
//
// Errors that blame the query match ErrInvalidQuery.
func (e *Engine) Query(ctx context.Context, sql string, tables []Table) (array.RecordReader, error) {
	return e.QueryArgs(ctx, sql, tables, nil)
}

// QueryArgs is Query with args bound to the parameter markers of sql ("?"
// or "$1", "$2", ...), in order, through DuckDB's prepared statement API:
// the values never become SQL text. See bindArgs for the value types. A
// number of values other than the number of parameters, or a value
// DuckDB cannot convert to the parameter's type, is an ErrInvalidQuery
// error.
func (e *Engine) QueryArgs(ctx context.Context, sql string, tables []Table, args []any) (array.RecordReader, error) {
	if err := validateTables(tables, e.allowed); err != nil {
		return nil, err
	}
	ctx, cancel := e.queryContext(ctx)
	conn, err := e.db.Conn(ctx)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("engine: get connection: %w", err)
	}
	type started struct {
		r   *streamReader
		err error
	}
	ready := make(chan started, 1)
	go func() {
		defer cancel()
		// Errors reach the caller through ready; an error returned by the
		// cleanup (driver.ErrBadConn) makes database/sql discard the connection.
		_ = conn.Raw(func(dc any) error {
			raw, err := nativeConn(dc)
			if err != nil {
				ready <- started{err: err}
				return err
			}
			exec := dc.(driver.ExecerContext)
			if err := createViews(ctx, exec, tables); err != nil {
				ready <- started{err: err}
				return dropViews(exec, tables)
			}
			plan := e.notNullPlan(ctx, dc.(driver.QueryerContext), sql, tables)
			r, err := startQuery(ctx, raw, sql, args, plan)
			if err != nil {
				ready <- started{err: err}
				return dropViews(exec, tables)
			}
			ready <- started{r: r}
			var cause error
			select {
			case <-r.released:
			case <-ctx.Done():
				cause = fmt.Errorf("engine: query stopped: %w", ctx.Err())
			}
			stop := interruptUntil(ctx, raw)
			r.mu.Lock()
			stop()
			r.closeLocked(cause)
			r.mu.Unlock()
			return dropViews(exec, tables)
		})
		conn.Close()
	}()
	s := <-ready
	if s.err != nil {
		return nil, s.err
	}
	if e.opts.TargetBatchRows > 0 {
		return Coalesce(s.r, e.opts.TargetBatchRows), nil
	}
	return s.r, nil
}

// Describe returns the schema Query would return for sql, without running
// the query.
func (e *Engine) Describe(ctx context.Context, sql string, tables []Table) (*arrow.Schema, error) {
	st, err := e.DescribeStatement(ctx, sql, tables)
	if err != nil {
		return nil, err
	}
	return st.Schema, nil
}

// DescribeStatement prepares sql without running it and returns the schema
// of its result and the types of its parameters. When DuckDB cannot type a
// result column before the parameter values are known (SELECT ? AS x),
// it returns an ErrInvalidQuery error naming the column.
func (e *Engine) DescribeStatement(ctx context.Context, sql string, tables []Table) (Statement, error) {
	return e.describeArgs(ctx, sql, tables, nil, false)
}

// DescribeArgs is DescribeStatement with args bound as QueryArgs binds
// them: a wrong number of values or a value of a type the parameter
// cannot take is reported without running the query.
func (e *Engine) DescribeArgs(ctx context.Context, sql string, tables []Table, args []any) (Statement, error) {
	return e.describeArgs(ctx, sql, tables, args, true)
}

func (e *Engine) describeArgs(ctx context.Context, sql string, tables []Table, args []any, bind bool) (Statement, error) {
	if err := validateTables(tables, e.allowed); err != nil {
		return Statement{}, err
	}
	ctx, cancel := e.queryContext(ctx)
	defer cancel()
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return Statement{}, fmt.Errorf("engine: get connection: %w", err)
	}
	defer conn.Close()
	var st Statement
	var qerr error
	err = conn.Raw(func(dc any) error {
		raw, err := nativeConn(dc)
		if err != nil {
			qerr = err
			return err
		}
		exec := dc.(driver.ExecerContext)
		if qerr = createViews(ctx, exec, tables); qerr == nil {
			plan := e.notNullPlan(ctx, dc.(driver.QueryerContext), sql, tables)
			st, qerr = describe(raw, sql, args, bind, plan)
		}
		return dropViews(exec, tables)
	})
	if qerr != nil {
		return Statement{}, qerr
	}
	if err != nil {
		return Statement{}, fmt.Errorf("engine: describe: %w", err)
	}
	return st, nil
}

func (e *Engine) queryContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if e.opts.QueryTimeout > 0 {
		return context.WithTimeout(ctx, e.opts.QueryTimeout)
	}
	return context.WithCancel(ctx)
}

// createViews registers the tables of one query as temporary views.
func createViews(ctx context.Context, exec driver.ExecerContext, tables []Table) error {
	for _, t := range tables {
		stmt, err := t.viewSQL()
		if err != nil {
			return fmt.Errorf("engine: %w", err)
		}
		if _, err := exec.ExecContext(ctx, stmt, nil); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("engine: register table %q: %w", t.Name, ctx.Err())
			}
			return fmt.Errorf("engine: register table %q (are its files readable Parquet files?): %w", t.Name, err)
		}
	}
	return nil
}

// dropViews removes the temporary views of one query. On failure it returns
// driver.ErrBadConn so that database/sql discards the connection rather
// than lend it, with stale views, to the next query.
func dropViews(exec driver.ExecerContext, tables []Table) error {
	for _, t := range tables {
		if _, err := exec.ExecContext(context.Background(), t.dropSQL(), nil); err != nil {
			return driver.ErrBadConn
		}
	}
	return nil
}

// prepare checks that sql is exactly one SELECT statement and prepares it.
// The caller destroys the returned statement.
func prepare(raw mapping.Connection, sql string) (mapping.PreparedStatement, error) {
	var stmts mapping.ExtractedStatements
	n := mapping.ExtractStatements(raw, sql, &stmts)
	defer mapping.DestroyExtracted(&stmts)
	switch {
	case n == 0:
		if msg := mapping.ExtractStatementsError(stmts); msg != "" {
			return mapping.PreparedStatement{}, duckdbError(msg)
		}
		return mapping.PreparedStatement{}, invalidQuery("empty query: send one SELECT statement")
	case n > 1:
		return mapping.PreparedStatement{}, invalidQuery(fmt.Sprintf(
			"the query has %d statements: send exactly one SELECT statement", n))
	}
	var ps mapping.PreparedStatement
	if mapping.PrepareExtractedStatement(raw, stmts, 0, &ps) == mapping.StateError {
		msg := mapping.PrepareError(ps)
		mapping.DestroyPrepare(&ps)
		return mapping.PreparedStatement{}, duckdbError(msg)
	}
	if t := mapping.PreparedStatementType(ps); t != mapping.StatementTypeSelect {
		mapping.DestroyPrepare(&ps)
		return mapping.PreparedStatement{}, invalidQuery(fmt.Sprintf(
			"Permission Error: only SELECT queries are allowed (this is a %s statement)", statementName(t)))
	}
	return ps, nil
}

// startQuery prepares sql, binds args and starts a streaming execution;
// plan marks the non-nullable result columns (notnull.go).
func startQuery(ctx context.Context, raw mapping.Connection, sql string, args []any, plan []resultColumn) (*streamReader, error) {
	ps, err := prepare(raw, sql)
	if err != nil {
		return nil, err
	}
	if err := bindArgs(ps, args); err != nil {
		mapping.DestroyPrepare(&ps)
		return nil, err
	}
	var pending mapping.PendingResult
	if bindings.PendingPreparedStreaming(ps, &pending) == mapping.StateError {
		msg := mapping.PendingError(pending)
		mapping.DestroyPending(&pending)
		mapping.DestroyPrepare(&ps)
		return nil, duckdbError(msg)
	}
	defer mapping.DestroyPending(&pending)
	var res mapping.Result
	stop := interruptUntil(ctx, raw)
	state := mapping.ExecutePending(pending, &res)
	stop()
	if state == mapping.StateError {
		err := resultError(ctx, mapping.ResultError(&res))
		mapping.DestroyResult(&res)
		mapping.DestroyPrepare(&ps)
		return nil, err
	}
	r, err := newStreamReader(ctx, res, ps, plan)
	if err != nil {
		mapping.DestroyResult(&res)
		mapping.DestroyPrepare(&ps)
		return nil, err
	}
	return r, nil
}

// describe returns the engine's schema for the result of sql and the
// types of its parameters, after binding args when bind is set; plan marks
// the non-nullable result columns (notnull.go).
func describe(raw mapping.Connection, sql string, args []any, bind bool, plan []resultColumn) (Statement, error) {
	ps, err := prepare(raw, sql)
	if err != nil {
		return Statement{}, err
	}
	defer mapping.DestroyPrepare(&ps)
	if bind {
		if err := bindArgs(ps, args); err != nil {
			return Statement{}, err
		}
	}
	params := paramSchema(raw, ps)
	schema, err := resultSchema(raw, ps)
	if err != nil {
		return Statement{}, err
	}
	return Statement{Schema: applyNotNull(schema, plan), Params: params}, nil
}

// resultSchema returns the schema of the result of ps.
func resultSchema(raw mapping.Connection, ps mapping.PreparedStatement) (*arrow.Schema, error) {
	n := mapping.PreparedStatementColumnCount(ps)
	names := make([]string, n)
	types := make([]mapping.LogicalType, n)
	for i := range n {
		names[i] = mapping.PreparedStatementColumnName(ps, i)
		types[i] = mapping.PreparedStatementColumnLogicalType(ps, i)
	}
	defer func() {
		for i := range types {
			mapping.DestroyLogicalType(&types[i])
		}
	}()
	for i, t := range types {
		if mapping.GetTypeId(t) == mapping.TypeInvalid {
			return nil, fmt.Errorf("engine: result column %d: %w; it is known once the query runs", i+1, ErrParamTypedResult)
		}
	}
	var opts arrowmapping.ArrowOptions
	arrowmapping.ConnectionGetArrowOptions(raw, &opts)
	defer arrowmapping.DestroyArrowOptions(&opts)
	schema, ed := arrowmapping.NewArrowSchema(opts, types, names)
	if err := errorData(ed); err != nil {
		return nil, fmt.Errorf("engine: arrow schema of the result: %w", err)
	}
	return normalizeSchema(schema), nil
}

// interruptInterval is how often a cancelled query is interrupted again:
// DuckDB clears the interrupt flag when a query starts, so one interrupt
// sent just before can be lost.
const interruptInterval = 50 * time.Millisecond

// interruptUntil interrupts the query running on raw as soon as ctx is done
// and then every interruptInterval, until the returned stop is called.
func interruptUntil(ctx context.Context, raw mapping.Connection) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		t := time.NewTicker(interruptInterval)
		defer t.Stop()
		for {
			mapping.Interrupt(raw)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// statementName names a DuckDB statement type for error messages.
func statementName(t mapping.StatementType) string {
	names := map[mapping.StatementType]string{
		mapping.StatementTypeInsert: "INSERT", mapping.StatementTypeUpdate: "UPDATE",
		mapping.StatementTypeExplain: "EXPLAIN", mapping.StatementTypeDelete: "DELETE",
		mapping.StatementTypePrepare: "PREPARE", mapping.StatementTypeCreate: "CREATE",
		mapping.StatementTypeExecute: "EXECUTE", mapping.StatementTypeAlter: "ALTER",
		mapping.StatementTypeTransaction: "transaction", mapping.StatementTypeCopy: "COPY",
		mapping.StatementTypeAnalyze: "ANALYZE", mapping.StatementTypeVariableSet: "SET",
		mapping.StatementTypeCreateFunc: "CREATE FUNCTION", mapping.StatementTypeDrop: "DROP",
		mapping.StatementTypeExport: "EXPORT", mapping.StatementTypePragma: "PRAGMA",
		mapping.StatementTypeVacuum: "VACUUM", mapping.StatementTypeCall: "CALL",
		mapping.StatementTypeSet: "SET", mapping.StatementTypeLoad: "LOAD/INSTALL",
		mapping.StatementTypeAttach: "ATTACH", mapping.StatementTypeDetach: "DETACH",
		mapping.StatementTypeMulti: "multi-statement",
	}
	if n, ok := names[t]; ok {
		return n
	}
	return fmt.Sprintf("type %d", t)
}
