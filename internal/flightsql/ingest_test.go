package flightsql

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
)

// fakeIngester is a fakeQuerier that counts ingested rows per table.
type fakeIngester struct {
	*fakeQuerier
	mu   sync.Mutex
	rows map[string]int64
}

func (f *fakeIngester) Ingest(ctx context.Context, table string, rdr array.RecordReader) (int64, error) {
	if rdr.Schema().FieldIndices("process_id") == nil {
		return 0, &InvalidQueryError{Err: errors.New("column process_id is missing")}
	}
	var n int64
	for rdr.Next() {
		n += rdr.RecordBatch().NumRows()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rows[table] += n
	return n, rdr.Err()
}

func TestStatementIngest(t *testing.T) {
	fi := &fakeIngester{fakeQuerier: newFakeQuerier(), rows: map[string]int64{}}
	ts := startServer(t, fi)
	cl := newClient(t, ts.addr)
	ctx := context.Background()

	schema := arrow.NewSchema([]arrow.Field{{Name: "process_id", Type: arrow.BinaryTypes.String}}, nil)
	reader := func(rows int) array.RecordReader {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		defer b.Release()
		for range rows {
			b.Field(0).(*array.StringBuilder).Append("p")
		}
		rec := b.NewRecordBatch()
		defer rec.Release()
		rdr, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec, rec})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(rdr.Release)
		return rdr
	}
	appendOpts := &flightsql.TableDefinitionOptions{IfExists: flightsql.TableDefinitionOptionsTableExistsOptionAppend}

	n, err := cl.ExecuteIngest(ctx, reader(5), &flightsql.ExecuteIngestOpts{Table: "processes", TableDefinitionOptions: appendOpts})
	if err != nil {
		t.Fatal(err)
	}
	if n != 10 {
		t.Errorf("ingested %d rows, want 10", n)
	}
	fi.mu.Lock()
	if fi.rows["processes"] != 10 {
		t.Errorf("ingester got %d rows, want 10", fi.rows["processes"])
	}
	fi.mu.Unlock()

	bad := []struct {
		name string
		opts *flightsql.ExecuteIngestOpts
		code codes.Code
		msg  string
	}{
		{"unknown table", &flightsql.ExecuteIngestOpts{Table: "log_entries", TableDefinitionOptions: appendOpts}, codes.InvalidArgument, "valid tables"},
		{"replace", &flightsql.ExecuteIngestOpts{Table: "blocks", TableDefinitionOptions: &flightsql.TableDefinitionOptions{
			IfExists: flightsql.TableDefinitionOptionsTableExistsOptionReplace}}, codes.InvalidArgument, "cannot be replaced"},
		{"temporary", &flightsql.ExecuteIngestOpts{Table: "blocks", Temporary: true, TableDefinitionOptions: appendOpts}, codes.InvalidArgument, "temporary"},
		{"schema", &flightsql.ExecuteIngestOpts{Table: "blocks", Schema: strPtr("main"), TableDefinitionOptions: appendOpts}, codes.InvalidArgument, "unnamed"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := cl.ExecuteIngest(ctx, reader(1), c.opts)
			wantCode(t, err, c.code, c.msg)
		})
	}
	t.Run("ingester rejects", func(t *testing.T) {
		other := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
		b := array.NewRecordBuilder(memory.DefaultAllocator, other)
		b.Field(0).(*array.Int64Builder).Append(1)
		rec := b.NewRecordBatch()
		b.Release()
		defer rec.Release()
		rdr, _ := array.NewRecordReader(other, []arrow.RecordBatch{rec})
		defer rdr.Release()
		_, err := cl.ExecuteIngest(ctx, rdr, &flightsql.ExecuteIngestOpts{Table: "streams", TableDefinitionOptions: appendOpts})
		wantCode(t, err, codes.InvalidArgument, "process_id is missing")
	})
	t.Run("without ingester", func(t *testing.T) {
		plain := startServer(t, newFakeQuerier())
		_, err := newClient(t, plain.addr).ExecuteIngest(ctx, reader(1), &flightsql.ExecuteIngestOpts{Table: "blocks", TableDefinitionOptions: appendOpts})
		wantCode(t, err, codes.Unimplemented)
	})
}
