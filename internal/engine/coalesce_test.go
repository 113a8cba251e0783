package engine

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestCoalesce(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	batch := func(start, n int) arrow.RecordBatch {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		defer b.Release()
		for i := range n {
			b.Field(0).(*array.Int64Builder).Append(int64(start + i))
		}
		return b.NewRecordBatch()
	}
	tests := []struct {
		name   string
		sizes  []int
		target int
		want   []int64
	}{
		{"small batches", []int{3, 3, 3, 3, 3}, 7, []int64{9, 6}},
		{"exact", []int{4, 4, 4}, 4, []int64{4, 4, 4}},
		{"large passes through", []int{10, 1, 1}, 5, []int64{10, 2}},
		{"empty", nil, 5, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var recs []arrow.RecordBatch
			next := 0
			for _, n := range tc.sizes {
				recs = append(recs, batch(next, n))
				next += n
			}
			src, err := array.NewRecordReader(schema, recs)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				r.Release()
			}
			c := Coalesce(src, tc.target)
			defer c.Release()
			var got []int64
			want := int64(0)
			for c.Next() {
				rec := c.RecordBatch()
				got = append(got, rec.NumRows())
				for _, v := range rec.Column(0).(*array.Int64).Int64Values() {
					if v != want {
						t.Fatalf("value %d, want %d: order or content lost", v, want)
					}
					want++
				}
			}
			if c.Err() != nil {
				t.Fatal(c.Err())
			}
			if len(got) != len(tc.want) {
				t.Fatalf("batch sizes %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("batch sizes %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestQueryCoalescesDuckDBBatches(t *testing.T) {
	e, _ := openEngine(t, Options{TargetBatchRows: DefaultTargetBatchRows})
	r, err := e.Query(context.Background(), "SELECT range FROM range(200000)", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var sizes []int64
	for r.Next() {
		sizes = append(sizes, r.RecordBatch().NumRows())
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	// 200000 rows in 2048-row chunks become 3 batches of 65536 and the rest.
	want := []int64{65536, 65536, 65536, 3392}
	if len(sizes) != len(want) {
		t.Fatalf("batch sizes %v, want %v", sizes, want)
	}
	for i := range want {
		if sizes[i] != want[i] {
			t.Fatalf("batch sizes %v, want %v", sizes, want)
		}
	}
}
