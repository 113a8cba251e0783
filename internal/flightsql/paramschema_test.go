package flightsql

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"google.golang.org/grpc/codes"
)

func TestClientParamSchema(t *testing.T) {
	field := func(t arrow.DataType) arrow.Field { return arrow.Field{Name: "$1", Type: t, Nullable: true} }
	tests := []struct {
		name string
		in   []arrow.DataType
		want []arrow.DataType // nil: no schema
	}{
		{"integers widen to int64", []arrow.DataType{arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Uint8}, []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int64}},
		{"a float makes it unknown", []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float64}, nil},
		{"a decimal makes it unknown", []arrow.DataType{&arrow.Decimal128Type{Precision: 18, Scale: 3}}, nil},
		{"strings and booleans", []arrow.DataType{arrow.BinaryTypes.String, arrow.FixedWidthTypes.Boolean}, []arrow.DataType{arrow.BinaryTypes.String, arrow.FixedWidthTypes.Boolean}},
		{"a timestamp makes it unknown", []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.FixedWidthTypes.Timestamp_ns}, nil},
		{"an uninferred type makes it unknown", []arrow.DataType{arrow.Null}, nil},
		{"no parameters", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fields []arrow.Field
			for _, ty := range tt.in {
				fields = append(fields, field(ty))
			}
			got := clientParamSchema(arrow.NewSchema(fields, nil))
			if tt.want == nil {
				if got != nil {
					t.Fatalf("schema = %v, want none", got)
				}
				return
			}
			if got == nil || got.NumFields() != len(tt.want) {
				t.Fatalf("schema = %v, want %v", got, tt.want)
			}
			for i, w := range tt.want {
				if !arrow.TypeEqual(got.Field(i).Type, w) {
					t.Errorf("field %d = %v, want %v", i, got.Field(i).Type, w)
				}
			}
		})
	}
}

// fakeParamDescriber also describes parameterized statements: sqlIntsFrom
// followed by one marker takes one integer.
type fakeParamDescriber struct {
	*fakeParamQuerier
	described atomic.Int64
}

func (f *fakeParamDescriber) DescribeParams(_ context.Context, sql string, params []any, _ QueryOptions) (*arrow.Schema, error) {
	f.described.Add(1)
	if len(params) != 1 {
		return nil, &InvalidQueryError{Err: fmt.Errorf("the query has 1 parameter but %d values were bound", len(params))}
	}
	return arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil), nil
}

func (f *fakeParamDescriber) ParameterSchema(_ context.Context, sql string, _ QueryOptions) (*arrow.Schema, error) {
	if sql != sqlIntsFrom+" ?" {
		return nil, errors.New("unknown")
	}
	return arrow.NewSchema([]arrow.Field{{Name: "$1", Type: arrow.PrimitiveTypes.Int32}}, nil), nil
}

func TestPreparedStatementReportsParameterSchema(t *testing.T) {
	fq := &fakeParamDescriber{fakeParamQuerier: &fakeParamQuerier{fakeQuerier: newFakeQuerier()}}
	ts := startServer(t, fq)
	ctx := context.Background()
	cl := newClient(t, ts.addr)
	stmt, err := cl.Prepare(ctx, sqlIntsFrom+" ?")
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close(ctx)
	ps := stmt.ParameterSchema()
	if ps == nil || ps.NumFields() != 1 || !arrow.TypeEqual(ps.Field(0).Type, arrow.PrimitiveTypes.Int64) {
		t.Fatalf("parameter schema = %v, want one int64", ps)
	}

	// The database/sql driver builds its batch from that schema and checks
	// the number of arguments itself.
	db := openDB(t, ts.addr, nil)
	rows, err := db.QueryContext(ctx, sqlIntsFrom+" ?", 1)
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
	if len(fq.params) != 1 || fq.params[0] != int64(1) {
		t.Errorf("params = %#v, want [1]", fq.params)
	}
	fq.mu.Unlock()
	if _, err := db.QueryContext(ctx, sqlIntsFrom+" ?", 1, 2); err == nil {
		t.Error("the driver accepted 2 arguments for 1 parameter")
	}

	// GetFlightInfo describes the bound statement without running it, and
	// a wrong number of values is InvalidArgument.
	opened := fq.opened.Load()
	two := paramRecord(t, []arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "b", Type: arrow.PrimitiveTypes.Int64}}, func(b *array.RecordBuilder) {
		b.Field(0).(*array.Int64Builder).Append(1)
		b.Field(1).(*array.Int64Builder).Append(2)
	})
	stmt.SetParameters(two)
	_, err = stmt.Execute(ctx)
	wantCode(t, err, codes.InvalidArgument, "1 parameter but 2 values")
	if fq.opened.Load() != opened || fq.described.Load() == 0 {
		t.Errorf("the query ran (%d readers) or was not described (%d) for GetFlightInfo", fq.opened.Load()-opened, fq.described.Load())
	}
	waitReleased(t, fq.fakeQuerier)
}
