package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/micromegas-go/micromegas/internal/engine"
)

var seriesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int32},
	{Name: "label", Type: arrow.BinaryTypes.String},
	{Name: "ts", Type: arrow.FixedWidthTypes.Timestamp_ns, Nullable: true},
}, nil)

// seriesFunction is series(n, label[, at]): rows 0..n-1 in batches of 3,
// labelled, with the time argument (NULL without one).
func seriesFunction(runs *atomic.Int64) TableFunction {
	args := func(c TableCall) (int64, string, *time.Time, error) {
		if len(c.Args) != 2 && len(c.Args) != 3 {
			return 0, "", nil, &QueryError{fmt.Errorf("series(n, label[, at]) takes 2 or 3 arguments, got %d", len(c.Args))}
		}
		n, ok := c.Args[0].(int64)
		if !ok || n < 0 {
			return 0, "", nil, &QueryError{fmt.Errorf("series: n must be a positive integer, got %s", describeArg(c.Args[0]))}
		}
		label, err := c.String(1)
		if err != nil {
			return 0, "", nil, &QueryError{fmt.Errorf("series: %w", err)}
		}
		if len(c.Args) == 2 {
			return n, label, nil, nil
		}
		at, err := c.Time(2)
		if err != nil {
			return 0, "", nil, &QueryError{fmt.Errorf("series: %w", err)}
		}
		return n, label, &at, nil
	}
	return TableFunction{
		Describe: func(_ context.Context, c TableCall) (*arrow.Schema, error) {
			_, _, _, err := args(c)
			return seriesSchema, err
		},
		Run: func(_ context.Context, c TableCall, emit func(arrow.RecordBatch) error) (*arrow.Schema, error) {
			runs.Add(1)
			n, label, at, err := args(c)
			if err != nil {
				return nil, err
			}
			b := array.NewRecordBuilder(memory.DefaultAllocator, seriesSchema)
			defer b.Release()
			flush := func() error {
				rec := b.NewRecordBatch()
				defer rec.Release()
				return emit(rec)
			}
			for i := range n {
				b.Field(0).(*array.Int32Builder).Append(int32(i))
				b.Field(1).(*array.StringBuilder).Append(label)
				if at == nil {
					b.Field(2).AppendNull()
				} else {
					b.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(at.UnixNano()))
				}
				if b.Field(0).Len() == 3 {
					if err := flush(); err != nil {
						return nil, err
					}
				}
			}
			if err := flush(); err != nil {
				return nil, err
			}
			return seriesSchema, nil
		},
	}
}

func TestTableFunctionComposes(t *testing.T) {
	tl := newTestLake(t)
	var runs atomic.Int64
	tl.opts.TableFunctions = map[string]TableFunction{"series": seriesFunction(&runs)}
	now := time.Now().UTC()
	for _, tc := range []struct {
		name, sql string
		want      []string
	}{
		{"count", `SELECT count(*) FROM series(7, 'a')`, []string{"7"}},
		{"filter and order", `SELECT id, label FROM series(7, 'a') WHERE id < 3 ORDER BY id DESC`,
			[]string{"2 | a", "1 | a", "0 | a"}},
		{"upper case and spaces", `SELECT count(*) FROM SERIES ( 4 , 'x' )`, []string{"4"}},
		{"empty", `SELECT count(*), max(id) FROM series(0, 'a')`, []string{"0 | (null)"}},
		{"join two calls", `SELECT count(*) FROM series(5, 'a') a JOIN series(3, 'b') b ON a.id = b.id`, []string{"3"}},
		{"join a view", `SELECT count(*) FROM series(20, 'a') s JOIN list_view_sets() v ON s.id = length(v.view_set_name)`,
			[]string{"10"}},
		{"expressions", `SELECT count(*), min(label) FROM series(2 + 3, lower('ABC'))`, []string{"5 | abc"}},
		{"subquery argument", `SELECT count(*) FROM series((SELECT count(*) FROM list_view_sets()), 'a')`, []string{"10"}},
		{"string time", `SELECT DISTINCT ts FROM series(2, 'a', '2026-03-01 10:00:00')`, []string{"2026-03-01T10:00:00Z"}},
		{"timestamp with zone", `SELECT DISTINCT ts FROM series(2, 'a', TIMESTAMP '2026-03-01T10:00:00.000000+00:00')`,
			[]string{"2026-03-01T10:00:00Z"}},
		{"timestamp with an offset", `SELECT DISTINCT ts FROM series(2, 'a', TIMESTAMPTZ '2026-03-01T12:00:00+02:00')`,
			[]string{"2026-03-01T10:00:00Z"}},
		{"string with an offset", `SELECT DISTINCT ts FROM series(2, 'a', '2026-03-01T12:00:00+02:00')`,
			[]string{"2026-03-01T10:00:00Z"}},
		{"relative time", `SELECT DISTINCT ts > TIMESTAMP '` + now.Add(-time.Hour-time.Minute).Format(time.DateTime) + `'
			AND ts < TIMESTAMP '` + now.Add(-time.Hour+time.Minute).Format(time.DateTime) + `'
			FROM series(2, 'a', now() - INTERVAL 1 HOUR)`, []string{"true"}},
		{"in a CTE", `WITH s AS (SELECT * FROM series(6, 'a')) SELECT sum(id) FROM s`, []string{"15"}},
		{"quoted string", `SELECT DISTINCT label FROM series(1, 'it''s')`, []string{"it's"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantRows(t, tl.rows(t, tc.sql, QueryOptions{}), tc.want...)
		})
	}
	// A limit applies to the result, not to the function.
	wantRows(t, tl.rows(t, `SELECT id FROM series(7, 'a') ORDER BY id DESC`, QueryOptions{Limit: 2}), "6", "5")
}

func TestTableFunctionDescribe(t *testing.T) {
	tl := newTestLake(t)
	var runs atomic.Int64
	tl.opts.TableFunctions = map[string]TableFunction{"series": seriesFunction(&runs)}
	schema, err := tl.Describe(context.Background(), `SELECT id, label FROM series(1000000, 'a') WHERE id > 2`)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(schema.Field(0).Name, schema.Field(0).Type, schema.Field(1).Name, schema.Field(1).Type); got != "idint32labelutf8" {
		t.Errorf("schema %s", schema)
	}
	if runs.Load() != 0 {
		t.Errorf("Describe ran the function %d times", runs.Load())
	}
	if _, err := tl.Describe(context.Background(), `SELECT * FROM series('x', 'a')`); !errors.Is(err, engine.ErrInvalidQuery) {
		t.Errorf("Describe with a bad argument: %v, want an invalid query", err)
	}
}

func TestTableFunctionErrors(t *testing.T) {
	tl := newTestLake(t)
	var runs atomic.Int64
	tl.opts.TableFunctions = map[string]TableFunction{"series": seriesFunction(&runs)}
	for _, tc := range []struct{ sql, want string }{
		{`SELECT * FROM series(1)`, "takes 2 or 3 arguments, got 1"},
		{`SELECT * FROM series('x', 'a')`, "n must be a positive integer"},
		{`SELECT * FROM series(1, 2)`, "argument 2 must be a string"},
		{`SELECT * FROM series(1, 'a', 'noon')`, `argument 3: "noon" is not a timestamp`},
		{`SELECT * FROM series(1, 'a', 5)`, "argument 3 must be a timestamp"},
		{`SELECT * FROM series(1, 'a', )`, "argument 3 is empty"},
		{`SELECT * FROM processes p, series(p.pid, 'a')`, "the arguments must be constant expressions"},
		{`SELECT * FROM series(1, 'a'`, "has no closing parenthesis"},
	} {
		t.Run(tc.sql, func(t *testing.T) {
			_, err := tl.tryRows(tc.sql, QueryOptions{})
			if !errors.Is(err, engine.ErrInvalidQuery) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an invalid query error containing %q", err, tc.want)
			}
		})
	}
}

func TestTableFunctionRegistration(t *testing.T) {
	fn := TableFunction{
		Describe: func(context.Context, TableCall) (*arrow.Schema, error) { return seriesSchema, nil },
		Run: func(context.Context, TableCall, func(arrow.RecordBatch) error) (*arrow.Schema, error) {
			return seriesSchema, nil
		},
	}
	for _, tc := range []struct {
		fns  map[string]TableFunction
		want string // "" when accepted
	}{
		{map[string]TableFunction{"Series": fn}, ""},
		{map[string]TableFunction{"view_instance": fn}, "the lakehouse defines it"},
		{map[string]TableFunction{"bad name": fn}, "not a SQL identifier"},
		{map[string]TableFunction{"1x": fn}, "not a SQL identifier"},
		{map[string]TableFunction{"f": {Run: fn.Run}}, "Describe and Run are required"},
		{map[string]TableFunction{"f": fn, "F": fn}, "registered twice"},
	} {
		got, err := checkTableFunctions(tc.fns)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.fns, err)
		case tc.want == "" && got["series"].Run == nil:
			t.Errorf("%v: not registered under its lower-case name", tc.fns)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: got %v, want %q", tc.fns, err, tc.want)
		}
	}
}
