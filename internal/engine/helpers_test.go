package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// logSchema resembles the lakehouse's log_entries schema (spec 5.2) with
// properties as Map<Utf8,Utf8>.
var logSchema = arrow.NewSchema([]arrow.Field{
	{Name: "process_id", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}},
	{Name: "time", Type: arrow.FixedWidthTypes.Timestamp_ns},
	{Name: "level", Type: arrow.PrimitiveTypes.Int32},
	{Name: "msg", Type: arrow.BinaryTypes.String},
	{Name: "properties", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.String)},
}, nil)

// logRow is one row of logSchema.
type logRow struct {
	process string
	time    int64 // ns since the epoch
	level   int32
	msg     string
	props   map[string]string
}

func makeLogRecord(t testing.TB, rows []logRow) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, logSchema)
	defer b.Release()
	for _, r := range rows {
		if err := b.Field(0).(*array.BinaryDictionaryBuilder).AppendString(r.process); err != nil {
			t.Fatal(err)
		}
		b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(r.time))
		b.Field(2).(*array.Int32Builder).Append(r.level)
		b.Field(3).(*array.StringBuilder).Append(r.msg)
		mb := b.Field(4).(*array.MapBuilder)
		mb.Append(true)
		for k, v := range r.props {
			mb.KeyBuilder().(*array.StringBuilder).Append(k)
			mb.ItemBuilder().(*array.StringBuilder).Append(v)
		}
	}
	return b.NewRecordBatch()
}

// writeFile writes recs with WriteParquet to dir/name and returns its path.
func writeFile(t testing.TB, dir, name string, schema *arrow.Schema, recs ...arrow.RecordBatch) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteParquet(f, schema, recs); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeLogFile writes rows as one Parquet file in dir.
func writeLogFile(t testing.TB, dir, name string, rows []logRow) string {
	t.Helper()
	rec := makeLogRecord(t, rows)
	defer rec.Release()
	return writeFile(t, dir, name, logSchema, rec)
}

// openEngine opens an engine whose allowed directory is a fresh temp dir.
func openEngine(t testing.TB, opts Options) (*Engine, string) {
	t.Helper()
	dir := t.TempDir()
	opts.AllowedDirectories = append(opts.AllowedDirectories, dir)
	if opts.Threads == 0 {
		opts.Threads = 2
	}
	if opts.MemoryLimit == "" {
		opts.MemoryLimit = "1GB"
	}
	e, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	return e, dir
}

// result is a query result read into memory, for assertions.
type result struct {
	schema  *arrow.Schema
	rows    [][]any
	batches int
}

// collect runs sql and reads the whole result, converting each cell with
// cell.
func collect(t testing.TB, e *Engine, sql string, tables ...Table) result {
	t.Helper()
	res, err := tryCollect(e, sql, tables...)
	if err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return res
}

func tryCollect(e *Engine, sql string, tables ...Table) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := e.Query(ctx, sql, tables)
	if err != nil {
		return result{}, err
	}
	defer r.Release()
	res := result{schema: r.Schema()}
	for r.Next() {
		rec := r.RecordBatch()
		if !rec.Schema().Equal(res.schema) {
			return res, &QueryError{Msg: "batch schema " + rec.Schema().String() + " differs from reader schema " + res.schema.String()}
		}
		res.batches++
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]any, rec.NumCols())
			for j, c := range rec.Columns() {
				row[j] = cell(c, i)
			}
			res.rows = append(res.rows, row)
		}
	}
	return res, r.Err()
}

// cell returns a comparable Go value for one cell.
func cell(c arrow.Array, i int) any {
	if c.IsNull(i) {
		return nil
	}
	switch a := c.(type) {
	case *array.Timestamp:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Uint64:
		return a.Value(i)
	case *array.String:
		return strings.Clone(a.Value(i)) // Value aliases the batch's memory
	case *array.Boolean:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	}
	return c.ValueStr(i)
}
