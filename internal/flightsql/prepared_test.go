package flightsql

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
)

// fakeParamQuerier binds parameters itself and records them.
type fakeParamQuerier struct {
	*fakeQuerier
	mu     sync.Mutex
	sql    string
	params []any
}

func (f *fakeParamQuerier) QueryParams(ctx context.Context, sql string, params []any, opts QueryOptions) (array.RecordReader, error) {
	f.mu.Lock()
	f.sql, f.params = sql, params
	f.mu.Unlock()
	return f.fakeQuerier.Query(ctx, sqlInts, opts)
}

// paramRecord is one row of parameters with the given columns.
func paramRecord(t *testing.T, fields []arrow.Field, fill func(b *array.RecordBuilder)) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	fill(b)
	rec := b.NewRecordBatch()
	t.Cleanup(rec.Release)
	return rec
}

func TestPreparedStatementWithParameters(t *testing.T) {
	q := newFakeQuerier()
	ts := startServer(t, q)
	ctx := context.Background()
	const sql = sqlIntsFrom + " ?"

	t.Run("database-sql", func(t *testing.T) {
		db := openDB(t, ts.addr, nil)
		for _, c := range []struct {
			arg  int
			want []int64
		}{{1, []int64{1, 2}}, {2, []int64{2}}, {0, []int64{0, 1, 2}}} {
			rows, err := db.QueryContext(ctx, sql, c.arg)
			if err != nil {
				t.Fatalf("Query(%d): %v", c.arg, err)
			}
			var got []int64
			for rows.Next() {
				var n int64
				if err := rows.Scan(&n); err != nil {
					t.Fatal(err)
				}
				got = append(got, n)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			if len(got) != len(c.want) || got[0] != c.want[0] {
				t.Errorf("Query(%d) = %v, want %v", c.arg, got, c.want)
			}
		}
		if got := q.lastCall().SQL; got != sqlIntsFrom+"  0 " {
			t.Errorf("querier got %q, want the marker replaced by a literal", got)
		}
		// A wrong number of arguments is the caller's error.
		_, err := db.QueryContext(ctx, sql, 1, 2)
		wantCode(t, err, codes.InvalidArgument, "2 values were bound")
	})

	t.Run("flightsql", func(t *testing.T) {
		cl := newClient(t, ts.addr)
		stmt, err := cl.Prepare(ctx, sql)
		if err != nil {
			t.Fatal(err)
		}
		defer stmt.Close(ctx)
		if string(stmt.Handle()) != sql {
			t.Errorf("handle = %q, want the SQL", stmt.Handle())
		}
		stmt.SetParameters(paramRecord(t, []arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int32}}, func(b *array.RecordBuilder) {
			b.Field(0).(*array.Int32Builder).Append(2)
		}))
		info, err := stmt.Execute(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, recs, err := readEndpoints(ctx, t, cl, info)
		if err != nil {
			t.Fatal(err)
		}
		if totalRows(recs) != 1 {
			t.Errorf("rows = %d, want 1", totalRows(recs))
		}
		if string(stmt.Handle()) == sql {
			t.Error("binding did not return a handle carrying the values")
		}

		two := paramRecord(t, []arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}}, func(b *array.RecordBuilder) {
			b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2}, nil)
		})
		stmt2, err := cl.Prepare(ctx, sql)
		if err != nil {
			t.Fatal(err)
		}
		defer stmt2.Close(ctx)
		stmt2.SetParameters(two)
		_, err = stmt2.Execute(ctx)
		wantCode(t, err, codes.InvalidArgument, "exactly one row")
	})
	waitReleased(t, q)
}

func TestParamQuerierBindsItself(t *testing.T) {
	fq := &fakeParamQuerier{fakeQuerier: newFakeQuerier()}
	ts := startServer(t, fq)
	db := openDB(t, ts.addr, nil)
	when := time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)
	const sql = "SELECT * FROM anything WHERE a = ? AND b = ? AND c = ? AND d = ?"
	rows, err := db.QueryContext(context.Background(), sql, int64(42), "x'y", when, 2.5)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	fq.mu.Lock()
	defer fq.mu.Unlock()
	if fq.sql != sql {
		t.Errorf("sql = %q, want the text with its markers", fq.sql)
	}
	if len(fq.params) != 4 || fq.params[0] != int64(42) || fq.params[1] != "x'y" || fq.params[3] != 2.5 {
		t.Fatalf("params = %#v", fq.params)
	}
	if got, ok := fq.params[2].(time.Time); !ok || !got.Equal(when) {
		t.Errorf("time parameter = %#v, want %v", fq.params[2], when)
	}
	waitReleased(t, fq.fakeQuerier)
}
