package flightsql

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"google.golang.org/grpc/metadata"
)

func TestLargeResultStreams(t *testing.T) {
	q := newFakeQuerier()
	ts := startServer(t, q)
	ctx := context.Background()
	const total = manyBatches * manyRows
	wantSum := int64(total) * (total - 1) / 2

	t.Run("flightsql", func(t *testing.T) {
		cl := newClient(t, ts.addr)
		_, _, recs, err := fetch(ctx, t, cl, sqlMany)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, r := range recs {
			for _, v := range r.Column(0).(*array.Int64).Int64Values() {
				sum += v
			}
		}
		if totalRows(recs) != total || sum != wantSum {
			t.Errorf("rows = %d, sum = %d; want %d, %d", totalRows(recs), sum, total, wantSum)
		}
		if len(recs) < manyBatches {
			t.Errorf("got %d batches, want at least %d (streamed, not merged)", len(recs), manyBatches)
		}
	})
	t.Run("database-sql", func(t *testing.T) {
		db := openDB(t, ts.addr, nil)
		rows, err := db.QueryContext(ctx, sqlMany)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var n, sum int64
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			n++
			sum += v
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if n != total || sum != wantSum {
			t.Errorf("rows = %d, sum = %d; want %d, %d", n, sum, total, wantSum)
		}
	})
	waitReleased(t, q)
}

// A batch far above gRPC's default 4 MiB client limit reaches the
// database/sql driver, which cannot raise that limit.
func TestBigBatchIsSliced(t *testing.T) {
	q := newFakeQuerier()
	ts := startServer(t, q)
	db := openDB(t, ts.addr, nil)
	rows, err := db.Query(sqlBig)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		var (
			i int64
			p string
		)
		if err := rows.Scan(&i, &p); err != nil {
			t.Fatal(err)
		}
		if i != n || len(p) != bigPayload {
			t.Fatalf("row %d: n = %d, len(payload) = %d", n, i, len(p))
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != bigRows {
		t.Errorf("rows = %d, want %d", n, bigRows)
	}
	rows.Close()
	waitReleased(t, q)
}

func TestClientCancelReleasesReader(t *testing.T) {
	q := newFakeQuerier()
	ts := startServer(t, q)
	cl := newClient(t, ts.addr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	info, err := cl.Execute(ctx, sqlInfinite)
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if !rdr.Next() {
			t.Fatalf("stream ended early: %v", rdr.Err())
		}
	}
	cancel()
	rdr.Release()
	waitReleased(t, q)
	// The server stopped reading: no more batches are produced.
	produced := q.batches.Load()
	time.Sleep(50 * time.Millisecond)
	if q.batches.Load() != produced {
		t.Errorf("the infinite reader is still being read after the client left")
	}
}

func TestDictionaryColumns(t *testing.T) {
	dict := basicSchema.Field(3).Type
	tests := []struct {
		name     string
		preserve string
		want     arrow.DataType
	}{
		{"hydrated by default", "", arrow.BinaryTypes.String},
		{"preserved on request", "true", dict},
	}
	q := newFakeQuerier()
	ts := startServer(t, q)
	cl := newClient(t, ts.addr)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.preserve != "" {
				ctx = metadata.AppendToOutgoingContext(ctx, HeaderPreserveDictionary, tt.preserve)
			}
			_, schema, recs, err := fetch(ctx, t, cl, sqlBasic)
			if err != nil {
				t.Fatal(err)
			}
			if got := schema.Field(3).Type; !arrow.TypeEqual(got, tt.want) {
				t.Fatalf("level type = %s, want %s", got, tt.want)
			}
			col := recs[0].Column(3)
			if d, ok := col.(*array.Dictionary); ok {
				col = d.Dictionary()
				if idx := d.GetValueIndex(1); col.(*array.String).Value(idx) != "warn" {
					t.Errorf("level[1] = %q, want warn", col.(*array.String).Value(idx))
				}
				return
			}
			if got := col.(*array.String).Value(1); got != "warn" {
				t.Errorf("level[1] = %q, want warn", got)
			}
		})
	}
	t.Run("nested", func(t *testing.T) {
		_, schema, recs, err := fetch(context.Background(), t, cl, sqlNested)
		if err != nil {
			t.Fatal(err)
		}
		want := arrow.NewSchema([]arrow.Field{
			{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String)},
			{Name: "props", Type: arrow.StructOf(arrow.Field{Name: "target", Type: arrow.BinaryTypes.String})},
			{Name: "attrs", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.String)},
		}, nil)
		if !schema.Equal(want) {
			t.Fatalf("schema = %s, want %s", schema, want)
		}
		tags := recs[0].Column(0).(*array.List).ListValues().(*array.String)
		target := recs[0].Column(1).(*array.Struct).Field(0).(*array.String)
		attrs := recs[0].Column(2).(*array.Map)
		keys, items := attrs.Keys().(*array.String), attrs.Items().(*array.String)
		if tags.Value(0) != "a" || tags.Value(1) != "b" || target.Value(0) != "t" || keys.Value(0) != "k" || items.Value(0) != "v" {
			t.Errorf("nested values = %v, %v, %v", tags, target, attrs)
		}
	})
	waitReleased(t, q)
}
