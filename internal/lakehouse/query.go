package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/uuid"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/engine"

	"github.com/micromegas-go/micromegas/internal/sqlliteral"
	"github.com/micromegas-go/micromegas/internal/sqltext"
)

// QueryOptions are the per-query settings of a client.
type QueryOptions struct {
	// Begin and End, when both set, restrict the query to events in
	// [Begin, End]: only partitions overlapping it are read, every view is
	// filtered by it, and just-in-time views convert only the blocks
	// meeting it.
	Begin, End time.Time
	// Limit caps the rows returned; 0 means no limit.
	Limit int64
	// Admin allows the functions that change the lakehouse
	// (retire_partitions, materialize_partitions,
	// retire_partition_by_file). The caller sets it from the
	// authenticated identity (internal/app: admins, and everyone on a
	// server running without authentication).
	Admin bool
}

// hasRange reports whether the options carry a time range.
func (o QueryOptions) hasRange() bool { return !o.Begin.IsZero() && !o.End.IsZero() }

// ErrAdminOnly is matched by the error of a query that calls a mutating
// function without QueryOptions.Admin.
var ErrAdminOnly = errors.New("admin only")

// QueryError is an error caused by the query (a bad view_instance call,
// a function used without the right to): servers report it as invalid
// input.
type QueryError struct{ Err error }

func (e *QueryError) Error() string { return e.Err.Error() }
func (e *QueryError) Unwrap() error { return e.Err }

// InvalidQuery marks the error as the query's fault.
func (e *QueryError) InvalidQuery() bool { return true }

// Is lets errors.Is(err, engine.ErrInvalidQuery) match.
func (e *QueryError) Is(target error) bool { return target == engine.ErrInvalidQuery }

// Query brings the views a query uses up to date and runs sql over them.
// The reader must be released.
func (l *Lakehouse) Query(ctx context.Context, sql string, opts QueryOptions) (array.RecordReader, error) {
	return l.query(ctx, sql, nil, opts)
}

// query runs sql with args bound by the engine (see QueryParams).
func (l *Lakehouse) query(ctx context.Context, sql string, args []any, opts QueryOptions) (array.RecordReader, error) {
	q := &queryPlan{l: l, opts: opts, sql: sql, args: args}
	text, tables, err := q.plan(ctx)
	if err != nil {
		q.cleanup()
		return nil, err
	}
	rdr, err := l.opts.Engine.QueryArgs(ctx, text, tables, args)
	if err != nil {
		q.cleanup()
		return nil, explainUnknownTable(err)
	}
	var out array.RecordReader = &cleanupReader{RecordReader: rdr, cleanup: q.cleanup}
	if opts.Limit > 0 {
		out = newLimitReader(out, opts.Limit)
	}
	return out, nil
}

// Describe returns the schema Query would return, converting no block:
// views are declared with their schemas only.
func (l *Lakehouse) Describe(ctx context.Context, sql string) (*arrow.Schema, error) {
	st, err := l.describe(ctx, sql, nil, false)
	return st.Schema, err
}

// describe plans sql by schemas only and describes it, binding args when
// bind is set (see DescribeParams).
func (l *Lakehouse) describe(ctx context.Context, sql string, args []any, bind bool) (engine.Statement, error) {
	q := &queryPlan{l: l, sql: sql, describe: true}
	text, tables, err := q.plan(ctx)
	defer q.cleanup()
	if err != nil {
		return engine.Statement{}, err
	}
	var st engine.Statement
	if bind {
		st, err = l.opts.Engine.DescribeArgs(ctx, text, tables, args)
	} else {
		st, err = l.opts.Engine.DescribeStatement(ctx, text, tables)
	}
	return st, explainUnknownTable(err)
}

// queryPlan gathers the tables of one query and what to clean after it.
type queryPlan struct {
	l        *Lakehouse
	opts     QueryOptions
	sql      string
	args     []any // the values the engine binds to the markers of sql
	describe bool  // declare tables by schema only

	releases []func()
	temps    []string
	seq      int
	// sqlRanges are the time ranges the SQL text's WHERE clauses put on
	// its tables, by table key (timerange.go).
	sqlRanges map[string]timeRange
	// sqlNeedles are the substrings the SQL text's WHERE clauses require
	// of the msg column of its tables, by table key (sqltext/needles.go).
	sqlNeedles map[string][]string
	// sqlIDs are the trace ids the SQL text's WHERE clauses require one
	// of, by table key (sqltext/ids.go).
	sqlIDs map[string][]string
	// newest lists the files of each view newest first (fileorder.go).
	newest bool
}

// cleanup unpins the cached files and deletes the per-query files.
func (q *queryPlan) cleanup() {
	for _, r := range q.releases {
		r()
	}
	for _, t := range q.temps {
		os.Remove(t)
	}
	q.releases, q.temps = nil, nil
}

// tableFunctions are the functions replaced by a per-query table before
// the SQL reaches the engine.
var tableFunctions = map[string]bool{
	"view_instance": true, "list_partitions": true, "list_view_sets": true,
	"retire_partitions": true, "materialize_partitions": true,
}

// adminScalars are the scalar functions reserved to admins.
var adminScalars = map[string]bool{"retire_partition_by_file": true}

// plan rewrites the table-function calls of q.sql into per-query tables
// and adds the global views the text names.
func (q *queryPlan) plan(ctx context.Context) (string, []engine.Table, error) {
	toks, err := sqltext.Scan(q.sql)
	if err != nil {
		return "", nil, &QueryError{fmt.Errorf("cannot read the query: %w", err)}
	}
	// Describing a call runs nothing, so only running one needs the right
	// (a describe never carries the caller's options).
	if !q.opts.Admin && !q.describe {
		calls, err := sqltext.FindCalls(toks, adminScalars)
		if err != nil {
			return "", nil, &QueryError{err}
		}
		if len(calls) > 0 {
			return "", nil, &QueryError{fmt.Errorf("%s changes the lakehouse and is reserved to admins: %w", calls[0].Name, ErrAdminOnly)}
		}
	}
	calls, err := sqltext.FindCalls(toks, q.l.tableFunctionNames())
	if err != nil {
		return "", nil, &QueryError{err}
	}
	q.findSQLRanges(ctx, toks, calls)
	q.newest = sqltext.NewestFirst(toks, eventTimeColumns)
	var tables []engine.Table
	var b strings.Builder
	last := 0
	for _, c := range calls {
		t, err := q.tableFunction(ctx, c)
		if err != nil {
			return "", nil, err
		}
		tables = append(tables, t)
		b.WriteString(q.sql[last:c.Start])
		b.WriteString(quoteIdent(t.Name))
		last = c.End
	}
	b.WriteString(q.sql[last:])
	ids := sqltext.Identifiers(toks)
	added := map[string]bool{}
	var add func(v *viewSet) error
	add = func(v *viewSet) error {
		if added[v.name] {
			return nil
		}
		added[v.name] = true
		for _, d := range v.deps {
			dv, _ := lookupView(d)
			if err := add(dv); err != nil {
				return err
			}
		}
		t, keysRepeat, err := q.globalTable(ctx, v)
		if err != nil {
			return err
		}
		tables = append(tables, v.queryTables(t, keysRepeat)...)
		return nil
	}
	for _, v := range viewSets {
		if v.global && ids[v.name] {
			if err := add(v); err != nil {
				return "", nil, err
			}
		}
	}
	return b.String(), tables, nil
}

// tableFunction runs one table-function call and returns its table.
func (q *queryPlan) tableFunction(ctx context.Context, c sqltext.Call) (engine.Table, error) {
	q.seq++
	name := fmt.Sprintf("__%s_%d", c.Name, q.seq)
	if fn, ok := q.l.opts.TableFunctions[c.Name]; ok {
		return q.goTableFunction(ctx, c, name, fn)
	}
	switch c.Name {
	case "view_instance":
		return q.viewInstance(ctx, c, name)
	case "list_partitions":
		return q.listPartitions(ctx, c, name)
	case "list_view_sets":
		return q.listViewSets(c, name)
	case "retire_partitions", "materialize_partitions":
		if !q.opts.Admin && !q.describe {
			return engine.Table{}, &QueryError{fmt.Errorf("%s changes the lakehouse and is reserved to admins: %w", c.Name, ErrAdminOnly)}
		}
		return q.adminFunction(ctx, c, name)
	}
	return engine.Table{}, fmt.Errorf("unknown table function %s", c.Name)
}

// viewInstance makes the table of view_instance(view_set, instance_id).
func (q *queryPlan) viewInstance(ctx context.Context, c sqltext.Call, name string) (engine.Table, error) {
	if len(c.Args) != 2 {
		return engine.Table{}, &QueryError{fmt.Errorf("view_instance takes 2 arguments (view_set, instance_id), got %d", len(c.Args))}
	}
	view, err := c.StringArg(0)
	if err != nil {
		return engine.Table{}, &QueryError{err}
	}
	instance, err := c.StringArg(1)
	if err != nil {
		return engine.Table{}, &QueryError{err}
	}
	v, ok := lookupView(view)
	if !ok || v.instance == noInstance {
		return engine.Table{}, &QueryError{&InstanceError{View: view, Instance: instance,
			Msg: fmt.Sprintf("unknown view set %q; view_instance accepts %v", view, instancedNames())}}
	}
	t := engine.Table{Name: name, Schema: v.schema, NotNull: v.notNull}
	if q.describe {
		return t, nil
	}
	r := q.rangeFor(sqltext.InstanceKey(c))
	begin, end := r.jitBounds()
	parts, err := q.l.updateInstance(ctx, v, instance, begin, end)
	if err != nil {
		var ie *InstanceError
		if errors.As(err, &ie) {
			return t, &QueryError{err}
		}
		return t, err
	}
	if _, err := q.addFiles(ctx, &t, v, parts, r, sqltext.InstanceKey(c)); err != nil {
		return t, err
	}
	q.filter(&t, v)
	return t, nil
}

func instancedNames() []string {
	var out []string
	for _, v := range viewSets {
		if v.instance != noInstance {
			out = append(out, v.name)
		}
	}
	return out
}

// globalTable makes the table of a global view: its partitions, plus the
// blocks inserted after the last partition converted for this query only
// (the maintenance daemon materializes them within seconds). keysRepeat
// reports whether rows of a re-aggregated view may repeat a key: when
// rows come from blocks of the tail, or from partitions whose event
// ranges overlap (each partition holds a key once).
func (q *queryPlan) globalTable(ctx context.Context, v *viewSet) (t engine.Table, keysRepeat bool, err error) {
	t = engine.Table{Name: v.name, Schema: v.schema, NotNull: v.notNull}
	if v.sql != "" {
		t.SQL = v.sql
		return t, false, nil
	}
	if q.describe {
		return t, true, nil
	}
	return q.partitionsAndTail(ctx, v, t)
}

// partitionsAndTail fills t with the files of the partitions of v and of
// its tail; see globalTable.
func (q *queryPlan) partitionsAndTail(ctx context.Context, v *viewSet, t engine.Table) (engine.Table, bool, error) {
	parts, err := q.l.listInstance(ctx, v, GlobalInstance)
	if err != nil {
		return t, false, err
	}
	var last time.Time
	for _, p := range parts {
		if !isMarker(p) {
			last = maxTime(last, p.EndInsertTime)
		}
	}
	r := q.rangeFor(v.name)
	kept, err := q.addFiles(ctx, &t, v, parts, r, v.name)
	if err != nil {
		return t, false, err
	}
	keysRepeat := !disjointEventRanges(kept)
	blocks, err := q.l.opts.Catalog.ListBlocks(ctx, catalog.BlockFilter{Tag: v.tag, InsertedFrom: last})
	if err != nil {
		return t, false, fmt.Errorf("%s: list recent blocks: %w", v.name, err)
	}
	if r.bounded() {
		kept := blocks[:0]
		for _, b := range blocks {
			if v.tailRange(r).keepsBlock(b) {
				kept = append(kept, b)
			}
		}
		blocks = kept
	}
	if len(blocks) > 0 {
		s, err := q.l.convertBlocks(ctx, v, blocks)
		if err != nil {
			return t, false, err
		}
		path, err := q.writeTemp(s)
		s.release()
		if err != nil {
			return t, false, err
		}
		if path != "" {
			if q.newest { // the newest events of all (fileorder.go)
				t.Files = append([]string{path}, t.Files...)
			} else {
				t.Files = append(t.Files, path)
			}
			keysRepeat = true
		}
	}
	q.filter(&t, v)
	return t, keysRepeat, nil
}

// disjointEventRanges reports whether no two partitions have event time
// ranges that meet.
func disjointEventRanges(parts []catalog.Partition) bool {
	sorted := slices.SortedFunc(slices.Values(parts), func(a, b catalog.Partition) int {
		return a.MinEventTime.Compare(b.MinEventTime)
	})
	for i := 1; i < len(sorted); i++ {
		if !sorted[i].MinEventTime.After(sorted[i-1].MaxEventTime) {
			return false
		}
	}
	return true
}

// addFiles adds the files of the partitions meeting the table's range
// that may hold a msg containing every needle of the table (key: its
// msg trigram filter has every trigram of the needles, or it has no
// filter) and one of the trace ids the table's rows must have (its trace
// id filter may hold one, or it has none), and returns those partitions.
// A partition whose events all lie inside the query_range headers goes to
// t.Inside: the view's time filter (q.filter) holds for all of its rows,
// so DuckDB need not evaluate it row by row. Files are added in event
// time order (fileorder.go).
func (q *queryPlan) addFiles(ctx context.Context, t *engine.Table, v *viewSet, parts []catalog.Partition, r timeRange, key string) (kept []catalog.Partition, err error) {
	needles, ids := q.sqlNeedles[key], q.sqlIDs[key]
	parts = slices.Clone(parts)
	sortByEventTime(parts, q.newest)
	for _, p := range parts {
		if p.NumRows == 0 || p.FilePath == "" {
			continue
		}
		if !r.keepsPartition(p) {
			continue
		}
		if len(needles) > 0 {
			if f, known := q.l.filters.get(p.FilePath); known && !mayHoldAll(f, needles) {
				continue // not even fetched
			}
		}
		if len(ids) > 0 {
			if f, known := q.l.traceFilters.get(p.FilePath); known && !mayHoldAny(f, ids) {
				continue
			}
		}
		path, release, err := q.l.localFile(ctx, p.FilePath)
		if err != nil {
			return nil, err
		}
		if (len(needles) > 0 && !mayHoldAll(q.l.fileFilter(p.FilePath, path), needles)) ||
			(len(ids) > 0 && !mayHoldAny(q.l.traceFilter(p.FilePath, path), ids)) {
			release()
			continue
		}
		kept = append(kept, p)
		q.releases = append(q.releases, release)
		if v.rowsInEventRange && q.opts.hasRange() &&
			!p.MinEventTime.Before(q.opts.Begin) && !p.MaxEventTime.After(q.opts.End) {
			t.Inside = append(t.Inside, path)
		} else {
			t.Files = append(t.Files, path)
		}
	}
	return kept, nil
}

// filter restricts a table to the query's time range.
func (q *queryPlan) filter(t *engine.Table, v *viewSet) {
	if q.opts.hasRange() && v.timeFilter != nil {
		t.Filter = v.timeFilter(sqlliteral.Timestamp(q.opts.Begin), sqlliteral.Timestamp(q.opts.End))
	}
}

// writeTemp writes the rows of s to a per-query Parquet file in the cache
// folder and returns its path ("" when there are no rows).
func (q *queryPlan) writeTemp(s *sink) (string, error) {
	if s.rows == 0 {
		return "", nil
	}
	return q.writeTempSink(s)
}

// writeTempSink writes the rows of s to a per-query Parquet file and
// returns its path.
func (q *queryPlan) writeTempSink(s *sink) (string, error) {
	dir := filepath.Join(q.l.opts.CacheDir, tailDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("per-query files: %w", err)
	}
	path := filepath.Join(dir, uuid.NewString()+".parquet")
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("per-query files: %w", err)
	}
	q.temps = append(q.temps, path)
	err = s.writeParquet(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("per-query files: %w", err)
	}
	return path, nil
}

// quoteIdent quotes a SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// cleanupReader runs cleanup once, when the reader is released for the
// last time.
type cleanupReader struct {
	array.RecordReader
	once    sync.Once
	cleanup func()
	refs    int64
	mu      sync.Mutex
}

func (r *cleanupReader) Retain() {
	r.mu.Lock()
	r.refs++
	r.mu.Unlock()
	r.RecordReader.Retain()
}

func (r *cleanupReader) Release() {
	r.mu.Lock()
	last := r.refs == 0
	r.refs--
	r.mu.Unlock()
	r.RecordReader.Release()
	if last {
		r.once.Do(r.cleanup)
	}
}
