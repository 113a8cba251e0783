package client_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/micromegas-go/micromegas/client"
	"github.com/micromegas-go/micromegas/internal/flightsql"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	sqlRows    = "SELECT n, level FROM rows"
	sqlMany    = "SELECT n FROM many"
	sqlInvalid = "SELECT * FROM nowhere"
	manyCount  = 50
	manySize   = 100
)

var dictType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// fakeQuerier serves fixed in-memory results and records the options and
// the authorization header of each query.
type fakeQuerier struct {
	mu    sync.Mutex
	opts  []flightsql.QueryOptions
	auths []string
}

func (f *fakeQuerier) last() (flightsql.QueryOptions, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.opts) == 0 {
		return flightsql.QueryOptions{}, ""
	}
	return f.opts[len(f.opts)-1], f.auths[len(f.auths)-1]
}

func (f *fakeQuerier) Query(ctx context.Context, sql string, opts flightsql.QueryOptions) (array.RecordReader, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	f.opts = append(f.opts, opts)
	f.auths = append(f.auths, strings.Join(md.Get("authorization"), ","))
	f.mu.Unlock()
	mem := memory.DefaultAllocator
	switch sql {
	case sqlRows:
		schema := arrow.NewSchema([]arrow.Field{
			{Name: "n", Type: arrow.PrimitiveTypes.Int64},
			{Name: "level", Type: dictType},
		}, nil)
		b := array.NewRecordBuilder(mem, schema)
		defer b.Release()
		b.Field(0).(*array.Int64Builder).AppendValues([]int64{10, 20, 30}, nil)
		for _, s := range []string{"info", "warn", "info"} {
			_ = b.Field(1).(*array.BinaryDictionaryBuilder).AppendString(s)
		}
		rec := b.NewRecordBatch()
		defer rec.Release()
		return array.NewRecordReader(schema, []arrow.RecordBatch{rec})
	case sqlMany:
		schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)
		var recs []arrow.RecordBatch
		for i := range manyCount {
			b := array.NewInt64Builder(mem)
			for j := range manySize {
				b.Append(int64(i*manySize + j))
			}
			col := b.NewArray()
			b.Release()
			recs = append(recs, array.NewRecordBatch(schema, []arrow.Array{col}, manySize))
			col.Release()
		}
		defer func() {
			for _, r := range recs {
				r.Release()
			}
		}()
		return array.NewRecordReader(schema, recs)
	}
	return nil, &flightsql.InvalidQueryError{Err: errors.New("table nowhere does not exist")}
}

// startServer runs the Micromegas Flight SQL server on 127.0.0.1:0.
func startServer(t *testing.T, q flightsql.Querier, mods ...func(*flightsql.Options)) string {
	t.Helper()
	opts := flightsql.Options{Addr: "127.0.0.1:0", Querier: q, Logger: slog.New(slog.DiscardHandler)}
	for _, m := range mods {
		m(&opts)
	}
	srv, err := flightsql.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return srv.Addr().String()
}

func dial(t *testing.T, addr string, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.Dial(context.Background(), addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return c
}

func TestQueryAll(t *testing.T) {
	addr := startServer(t, &fakeQuerier{})
	for _, a := range []string{addr, "grpc://" + addr, "grpc+tcp://" + addr} {
		t.Run(a, func(t *testing.T) {
			c := dial(t, a)
			schema, recs, err := c.QueryAll(context.Background(), sqlRows, client.TimeRange{})
			if err != nil {
				t.Fatal(err)
			}
			defer release(recs)
			if got := schema.Field(1).Type; !arrow.TypeEqual(got, arrow.BinaryTypes.String) {
				t.Errorf("level type = %s, want utf8 (dictionaries decoded by default)", got)
			}
			if len(recs) != 1 || recs[0].NumRows() != 3 {
				t.Fatalf("got %d batches, want 1 of 3 rows", len(recs))
			}
			if v := recs[0].Column(0).(*array.Int64).Value(2); v != 30 {
				t.Errorf("n[2] = %d, want 30", v)
			}
			if v := recs[0].Column(1).(*array.String).Value(1); v != "warn" {
				t.Errorf("level[1] = %q, want warn", v)
			}
		})
	}
}

func release(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}

func TestOptionsAndRangeReachServer(t *testing.T) {
	q := &fakeQuerier{}
	addr := startServer(t, q)
	begin := time.Date(2024, 3, 4, 5, 6, 7, 890123456, time.FixedZone("CET", 3600))
	end := begin.Add(time.Hour)
	tests := []struct {
		name     string
		opts     []client.Option
		tr       client.TimeRange
		want     flightsql.QueryOptions
		wantAuth string
		wantType arrow.DataType
		wantRows int64
	}{
		{"defaults", nil, client.TimeRange{}, flightsql.QueryOptions{}, "", arrow.BinaryTypes.String, 3},
		{"range", nil, client.TimeRange{Begin: begin, End: end},
			flightsql.QueryOptions{Begin: begin, End: end}, "", arrow.BinaryTypes.String, 3},
		{"token", []client.Option{client.WithToken("tok")}, client.TimeRange{}, flightsql.QueryOptions{}, "Bearer tok", arrow.BinaryTypes.String, 3},
		{"limit", []client.Option{client.WithLimit(2)}, client.TimeRange{}, flightsql.QueryOptions{Limit: 2}, "", arrow.BinaryTypes.String, 2},
		{"dictionary", []client.Option{client.WithPreserveDictionary(true)}, client.TimeRange{},
			flightsql.QueryOptions{PreserveDictionary: true}, "", dictType, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr, tt.opts...)
			schema, recs, err := c.QueryAll(context.Background(), sqlRows, tt.tr)
			if err != nil {
				t.Fatal(err)
			}
			defer release(recs)
			got, auth := q.last()
			if !got.Begin.Equal(tt.want.Begin) || !got.End.Equal(tt.want.End) || got.Limit != tt.want.Limit ||
				got.PreserveDictionary != tt.want.PreserveDictionary {
				t.Errorf("server options = %+v, want %+v", got, tt.want)
			}
			if got.Begin.Nanosecond() != tt.want.Begin.Nanosecond() {
				t.Errorf("range begin lost its nanoseconds: %v", got.Begin)
			}
			if auth != tt.wantAuth {
				t.Errorf("authorization = %q, want %q", auth, tt.wantAuth)
			}
			if !arrow.TypeEqual(schema.Field(1).Type, tt.wantType) {
				t.Errorf("level type = %s, want %s", schema.Field(1).Type, tt.wantType)
			}
			var n int64
			for _, r := range recs {
				n += r.NumRows()
			}
			if n != tt.wantRows {
				t.Errorf("rows = %d, want %d", n, tt.wantRows)
			}
		})
	}
}

func TestQueryStreams(t *testing.T) {
	addr := startServer(t, &fakeQuerier{})
	c := dial(t, addr)
	rdr, err := c.Query(context.Background(), sqlMany, client.TimeRange{})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	var batches, rows, sum int64
	for rdr.Next() {
		rec := rdr.RecordBatch()
		batches++
		rows += rec.NumRows()
		for _, v := range rec.Column(0).(*array.Int64).Int64Values() {
			sum += v
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	const total = manyCount * manySize
	if batches != manyCount || rows != total || sum != total*(total-1)/2 {
		t.Errorf("batches = %d, rows = %d, sum = %d", batches, rows, sum)
	}
}

func TestReleaseEarly(t *testing.T) {
	addr := startServer(t, &fakeQuerier{})
	c := dial(t, addr)
	rdr, err := c.Query(context.Background(), sqlMany, client.TimeRange{})
	if err != nil {
		t.Fatal(err)
	}
	if !rdr.Next() {
		t.Fatal(rdr.Err())
	}
	rdr.Release() // the server must see the cancellation; goleak checks the rest
}

func TestQueryErrors(t *testing.T) {
	const token = "right"
	addr := startServer(t, &fakeQuerier{}, func(o *flightsql.Options) {
		o.UnaryInterceptors = []grpc.UnaryServerInterceptor{func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			md, _ := metadata.FromIncomingContext(ctx)
			if v := md.Get("authorization"); len(v) != 1 || v[0] != "Bearer "+token {
				return nil, status.Error(codes.Unauthenticated, "invalid token")
			}
			return h(ctx, req)
		}}
	})
	ctx := context.Background()
	_, _, err := dial(t, addr, client.WithToken(token)).QueryAll(ctx, sqlInvalid, client.TimeRange{})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "nowhere does not exist") {
		t.Errorf("invalid query: got %v, want InvalidArgument with the engine's message", err)
	}
	_, _, err = dial(t, addr, client.WithToken("wrong")).QueryAll(ctx, sqlRows, client.TimeRange{})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("wrong token: got %v, want Unauthenticated", err)
	}
	c := dial(t, addr, client.WithToken(token))
	now := time.Now()
	for _, tr := range []client.TimeRange{{Begin: now}, {End: now}, {Begin: now, End: now.Add(-time.Second)}} {
		if _, err := c.Query(ctx, sqlRows, tr); err == nil || !strings.Contains(err.Error(), "time range") {
			t.Errorf("range %+v: got %v, want a time range error", tr, err)
		}
	}
}
