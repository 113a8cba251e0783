package flightsql

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Queries understood by fakeQuerier.
const (
	sqlBasic    = "SELECT * FROM basic"
	sqlInts     = "SELECT * FROM ints"     // 3 rows of int64
	sqlMany     = "SELECT * FROM many"     // manyBatches batches of manyRows rows
	sqlInfinite = "SELECT * FROM infinite" // never ends, ignores ctx
	sqlBig      = "SELECT * FROM big"      // one batch far above 4 MiB
	sqlNested   = "SELECT * FROM nested"   // dictionaries inside list and struct
	sqlInvalid  = "SELECT * FROM nowhere"
	sqlBroken   = "SELECT broken()"
	// sqlIntsFrom is followed by an integer literal: the rows of ints
	// (0, 1, 2) at least that large.
	sqlIntsFrom = "SELECT * FROM ints WHERE n >="
)

const (
	manyBatches = 200
	manyRows    = 1000
	invalidText = `Catalog Error: Table with name nowhere does not exist!`
)

var basicTime = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)

// fakeCall is one call of fakeQuerier.Query.
type fakeCall struct {
	SQL  string
	Opts QueryOptions
}

// fakeQuerier answers a few fixed queries from in-memory records and counts
// the readers it hands out and gets back.
type fakeQuerier struct {
	mem      *memory.CheckedAllocator
	tables   []TableInfo
	mu       sync.Mutex
	calls    []fakeCall
	opened   atomic.Int64
	released atomic.Int64
	batches  atomic.Int64 // batches produced by infinite readers
}

func newFakeQuerier() *fakeQuerier {
	return &fakeQuerier{mem: memory.NewCheckedAllocator(memory.NewGoAllocator())}
}

// fakeTableLister is a fakeQuerier that also lists tables.
type fakeTableLister struct{ *fakeQuerier }

func (f fakeTableLister) Tables(context.Context) ([]TableInfo, error) { return f.tables, nil }

func (f *fakeQuerier) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *fakeQuerier) lastCall() fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return fakeCall{}
	}
	return f.calls[len(f.calls)-1]
}

func (f *fakeQuerier) Query(ctx context.Context, sql string, opts QueryOptions) (array.RecordReader, error) {
	f.mu.Lock()
	f.calls = append(f.calls, fakeCall{SQL: sql, Opts: opts})
	f.mu.Unlock()
	var recs []arrow.RecordBatch
	infinite := false
	switch {
	case sql == sqlBasic:
		recs = []arrow.RecordBatch{f.basicRecord()}
	case sql == sqlInts:
		recs = []arrow.RecordBatch{f.intRecord(0, 3)}
	case sql == sqlMany:
		for i := range manyBatches {
			recs = append(recs, f.intRecord(int64(i*manyRows), manyRows))
		}
	case sql == sqlInfinite:
		recs = []arrow.RecordBatch{f.intRecord(0, 10)}
		infinite = true
	case sql == sqlBig:
		recs = []arrow.RecordBatch{f.bigRecord()}
	case sql == sqlNested:
		recs = []arrow.RecordBatch{f.nestedRecord()}
	case sql == sqlInvalid:
		return nil, &InvalidQueryError{Err: errors.New(invalidText)}
	case sql == sqlBroken:
		return nil, errors.New("disk on fire")
	case strings.HasPrefix(sql, sqlIntsFrom):
		v, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(sql, sqlIntsFrom)), 10, 64)
		if err != nil || v < 0 || v > 3 {
			return nil, &InvalidQueryError{Err: fmt.Errorf("fake querier: bad bound value in %q", sql)}
		}
		recs = []arrow.RecordBatch{f.intRecord(v, 3-v)}
	default:
		return nil, &InvalidQueryError{Err: fmt.Errorf("fake querier does not know %q", sql)}
	}
	f.opened.Add(1)
	r := &fakeReader{q: f, schema: recs[0].Schema(), recs: recs, infinite: infinite}
	r.refs.Store(1)
	return r, nil
}

// fakeReader serves recs once, or recs[0] forever when infinite.
type fakeReader struct {
	q        *fakeQuerier
	refs     atomic.Int64
	schema   *arrow.Schema
	recs     []arrow.RecordBatch
	next     int
	cur      arrow.RecordBatch
	infinite bool
}

func (r *fakeReader) Retain() { r.refs.Add(1) }

func (r *fakeReader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	for _, rec := range r.recs {
		rec.Release()
	}
	r.q.released.Add(1)
}

func (r *fakeReader) Schema() *arrow.Schema { return r.schema }

func (r *fakeReader) Next() bool {
	if r.infinite {
		r.q.batches.Add(1)
		time.Sleep(time.Millisecond)
		r.cur = r.recs[0]
		return true
	}
	if r.next >= len(r.recs) {
		r.cur = nil
		return false
	}
	r.cur = r.recs[r.next]
	r.next++
	return true
}

func (r *fakeReader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *fakeReader) Record() arrow.RecordBatch      { return r.cur }
func (r *fakeReader) Err() error                     { return nil }

var basicSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64},
	{Name: "level", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}},
	{Name: "time", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "+00:00"}},
	{Name: "ok", Type: arrow.FixedWidthTypes.Boolean},
}, nil)

// basicRecord has 3 rows; name is NULL on the second.
func (f *fakeQuerier) basicRecord() arrow.RecordBatch {
	b := array.NewRecordBuilder(f.mem, basicSchema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"alpha", "", "gamma"}, []bool{true, false, true})
	b.Field(2).(*array.Float64Builder).AppendValues([]float64{1.5, -2.25, 1e9}, nil)
	lv := b.Field(3).(*array.BinaryDictionaryBuilder)
	for _, s := range []string{"info", "warn", "info"} {
		if err := lv.AppendString(s); err != nil {
			panic(err)
		}
	}
	ts := b.Field(4).(*array.TimestampBuilder)
	for i := range 3 {
		ts.Append(arrow.Timestamp(basicTime.Add(time.Duration(i) * time.Second).UnixNano()))
	}
	b.Field(5).(*array.BooleanBuilder).AppendValues([]bool{true, false, true}, nil)
	return b.NewRecordBatch()
}

var intSchema = arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)

// intRecord holds start, start+1, ... start+rows-1.
func (f *fakeQuerier) intRecord(start, rows int64) arrow.RecordBatch {
	b := array.NewRecordBuilder(f.mem, intSchema)
	defer b.Release()
	nb := b.Field(0).(*array.Int64Builder)
	for i := range rows {
		nb.Append(start + i)
	}
	return b.NewRecordBatch()
}

const (
	bigRows    = 50_000
	bigPayload = 200 // bytes per row: 10 MB in all
)

var bigSchema = arrow.NewSchema([]arrow.Field{
	{Name: "n", Type: arrow.PrimitiveTypes.Int64},
	{Name: "payload", Type: arrow.BinaryTypes.String},
}, nil)

func (f *fakeQuerier) bigRecord() arrow.RecordBatch {
	b := array.NewRecordBuilder(f.mem, bigSchema)
	defer b.Release()
	payload := string(make([]byte, bigPayload))
	for i := range int64(bigRows) {
		b.Field(0).(*array.Int64Builder).Append(i)
		b.Field(1).(*array.StringBuilder).Append(payload)
	}
	return b.NewRecordBatch()
}

var dictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

var nestedSchema = arrow.NewSchema([]arrow.Field{
	{Name: "tags", Type: arrow.ListOf(dictString)},
	{Name: "props", Type: arrow.StructOf(arrow.Field{Name: "target", Type: dictString})},
	{Name: "attrs", Type: arrow.MapOf(dictString, dictString)},
}, nil)

// nestedRecord has one row: tags ["a","b"], props {target: "t"},
// attrs {"k": "v"}.
func (f *fakeQuerier) nestedRecord() arrow.RecordBatch {
	b := array.NewRecordBuilder(f.mem, nestedSchema)
	defer b.Release()
	lb := b.Field(0).(*array.ListBuilder)
	lb.Append(true)
	for _, s := range []string{"a", "b"} {
		if err := lb.ValueBuilder().(*array.BinaryDictionaryBuilder).AppendString(s); err != nil {
			panic(err)
		}
	}
	sb := b.Field(1).(*array.StructBuilder)
	sb.Append(true)
	if err := sb.FieldBuilder(0).(*array.BinaryDictionaryBuilder).AppendString("t"); err != nil {
		panic(err)
	}
	mb := b.Field(2).(*array.MapBuilder)
	mb.Append(true)
	if err := mb.KeyBuilder().(*array.BinaryDictionaryBuilder).AppendString("k"); err != nil {
		panic(err)
	}
	if err := mb.ItemBuilder().(*array.BinaryDictionaryBuilder).AppendString("v"); err != nil {
		panic(err)
	}
	return b.NewRecordBatch()
}
