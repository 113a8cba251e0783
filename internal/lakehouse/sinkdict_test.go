package lakehouse

import (
	"slices"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/micromegas-go/micromegas/internal/engine"
)

// TestSinkWrite checks how sink.write cuts rows into records: dictionary
// columns whose strings fit Int16 indices share one dictionary, the
// others get one per record, exactly of the strings its rows use, and a
// record ends before a string that would not fit (or at a full row
// group); every value and null reads back.
func TestSinkWrite(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: dict16}, {Name: "i", Type: arrow.PrimitiveTypes.Int64}, {Name: "b", Type: dict16, Nullable: true},
	}, nil)
	for _, c := range []struct {
		name  string
		n     int
		a, b  func(i int) string // "" is null
		sizes []int              // rows of each record
		aDict []int              // a's dictionary length in each record
	}{
		{name: "fits", n: engine.RowGroupRows + 1000,
			a:     func(i int) string { return "a" + strconv.Itoa(i%3) },
			b:     func(i int) string { return "b" + strconv.Itoa(i%(1<<15)) },
			sizes: []int{engine.RowGroupRows, 1000}, aDict: []int{3, 3}},
		{name: "a over, nulls in b", n: 150_000,
			a: func(i int) string { return "a" + strconv.Itoa(i%40_000) },
			b: func(i int) string {
				if i%7 == 0 {
					return ""
				}
				return "b" + strconv.Itoa(i%3)
			},
			sizes: []int{1 << 15, 1 << 15, 1 << 15, 1 << 15, 150_000 - 4<<15}, aDict: []int{1 << 15, 1 << 15, 1 << 15, 1 << 15, 150_000 - 4<<15}},
		// b fills at row 32768, where a had a new string: the record must
		// not keep it.
		{name: "both over, cut undoes a", n: 70_000,
			a:     func(i int) string { return "a" + strconv.Itoa(i/2) },
			b:     func(i int) string { return "b" + strconv.Itoa(i) },
			sizes: []int{1 << 15, 1 << 15, 70_000 - 2<<15}, aDict: []int{1 << 14, 1 << 14, (70_000 - 2<<15) / 2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSink(schema)
			defer s.release()
			for i := range c.n {
				s.c.dict(0, c.a(i))
				s.c.i64(1, int64(i))
				if v := c.b(i); v == "" {
					s.c.null(2)
				} else {
					s.c.dict(2, v)
				}
			}
			var sizes, aDict []int
			row := 0
			check(t, s.write(func(rec arrow.RecordBatch) error {
				sizes = append(sizes, int(rec.NumRows()))
				a, b := rec.Column(0).(*array.Dictionary), rec.Column(2).(*array.Dictionary)
				aDict = append(aDict, a.Dictionary().Len())
				ids := rec.Column(1).(*array.Int64)
				for r := range int(rec.NumRows()) {
					if ids.Value(r) != int64(row) {
						t.Fatalf("record %d row %d: i = %d, want %d", len(sizes), r, ids.Value(r), row)
					}
					if got := a.Dictionary().(*array.String).Value(a.GetValueIndex(r)); got != c.a(row) {
						t.Fatalf("row %d: a = %q, want %q", row, got, c.a(row))
					}
					got := ""
					if b.IsValid(r) {
						got = b.Dictionary().(*array.String).Value(b.GetValueIndex(r))
					}
					if got != c.b(row) {
						t.Fatalf("row %d: b = %q, want %q", row, got, c.b(row))
					}
					row++
				}
				return nil
			}))
			if row != c.n || !slices.Equal(sizes, c.sizes) || !slices.Equal(aDict, c.aDict) {
				t.Fatalf("%d rows in records of %v rows, a's dictionaries of %v entries; want %d rows, %v, %v",
					row, sizes, aDict, c.n, c.sizes, c.aDict)
			}
		})
	}
}
