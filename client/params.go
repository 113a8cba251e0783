package client

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// QueryParams runs sql over tr with args bound to its parameter markers
// ("?", or "$1", "$2", ... to use a value more than once), in order, and
// streams the result like Query. The statement is prepared on the server
// and the values are sent as one row of parameters: they are never
// pasted into the SQL text, so a string holding quotes is just a string.
//
// Supported values: nil, bool, signed and unsigned integers, float32,
// float64, string, []byte and time.Time (sent as a UTC timestamp with
// nanoseconds, so within the years 1678-2261). Values may be arguments of table functions such as
// view_instance(?, ?). A wrong number of values fails with
// codes.InvalidArgument.
func (c *Client) QueryParams(ctx context.Context, sql string, tr TimeRange, args ...any) (array.RecordReader, error) {
	ctx, err := rangeContext(ctx, tr)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	params, err := paramBatch(args)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer params.Release()
	stmt, err := c.fs.Prepare(ctx, sql)
	if err != nil {
		return nil, fmt.Errorf("query: prepare: %w", callError(c.addr, err))
	}
	// The statement is closed when the reader is released, with a context
	// of its own: ctx may be done by then.
	closeStmt := func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = stmt.Close(cctx)
	}
	if len(args) > 0 {
		stmt.SetParameters(params)
	}
	info, err := stmt.Execute(ctx)
	if err != nil {
		closeStmt()
		return nil, fmt.Errorf("query: %w", err)
	}
	rdr, err := newReader(ctx, c, info, closeStmt)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	return rdr, nil
}

// paramBatch returns args as one row of parameters, one column per value.
func paramBatch(args []any) (arrow.RecordBatch, error) {
	fields := make([]arrow.Field, len(args))
	for i, a := range args {
		t, err := paramType(a)
		if err != nil {
			return nil, fmt.Errorf("parameter %d: %w", i+1, err)
		}
		if ts, ok := a.(time.Time); ok {
			if y := ts.UTC().Year(); y < 1678 || y > 2261 {
				return nil, fmt.Errorf("parameter %d: time %v is outside the years 1678-2261 that nanosecond timestamps hold", i+1, ts)
			}
		}
		fields[i] = arrow.Field{Name: fmt.Sprintf("$%d", i+1), Type: t, Nullable: true}
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for i, a := range args {
		appendParam(b.Field(i), a)
	}
	return b.NewRecordBatch(), nil
}

// timestampType is the type of time.Time parameters.
var timestampType = &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}

func paramType(a any) (arrow.DataType, error) {
	switch a.(type) {
	case nil:
		return arrow.Null, nil
	case bool:
		return arrow.FixedWidthTypes.Boolean, nil
	case int, int8, int16, int32, int64:
		return arrow.PrimitiveTypes.Int64, nil
	case uint, uint8, uint16, uint32, uint64:
		return arrow.PrimitiveTypes.Uint64, nil
	case float32, float64:
		return arrow.PrimitiveTypes.Float64, nil
	case string:
		return arrow.BinaryTypes.String, nil
	case []byte:
		return arrow.BinaryTypes.Binary, nil
	case time.Time:
		return timestampType, nil
	}
	return nil, fmt.Errorf("unsupported type %T: use nil, bool, an integer, a float, string, []byte or time.Time", a)
}

// appendParam appends a, whose type paramType accepted, to b.
func appendParam(b array.Builder, a any) {
	switch v := a.(type) {
	case nil:
		b.AppendNull()
	case bool:
		b.(*array.BooleanBuilder).Append(v)
	case int:
		b.(*array.Int64Builder).Append(int64(v))
	case int8:
		b.(*array.Int64Builder).Append(int64(v))
	case int16:
		b.(*array.Int64Builder).Append(int64(v))
	case int32:
		b.(*array.Int64Builder).Append(int64(v))
	case int64:
		b.(*array.Int64Builder).Append(v)
	case uint:
		b.(*array.Uint64Builder).Append(uint64(v))
	case uint8:
		b.(*array.Uint64Builder).Append(uint64(v))
	case uint16:
		b.(*array.Uint64Builder).Append(uint64(v))
	case uint32:
		b.(*array.Uint64Builder).Append(uint64(v))
	case uint64:
		b.(*array.Uint64Builder).Append(v)
	case float32:
		b.(*array.Float64Builder).Append(float64(v))
	case float64:
		b.(*array.Float64Builder).Append(v)
	case string:
		b.(*array.StringBuilder).Append(v)
	case []byte:
		b.(*array.BinaryBuilder).Append(v)
	case time.Time:
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(v.UnixNano()))
	}
}
