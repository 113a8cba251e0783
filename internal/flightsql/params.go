package flightsql

import (
	"bytes"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/micromegas-go/micromegas/internal/arrowvalue"
)

// maxParamBytes bounds the encoded parameters of one statement: they
// travel in handles and tickets.
const maxParamBytes = 1 << 20

// readParams reads the parameter batches a client binds to a prepared
// statement and returns them as one record of exactly one row, encoded as
// an Arrow IPC stream (the form handles and tickets carry).
func readParams(rdr array.RecordReader) ([]byte, error) {
	var (
		buf  bytes.Buffer
		w    *ipc.Writer
		rows int64
	)
	for rdr.Next() {
		rec := rdr.RecordBatch()
		rows += rec.NumRows()
		if rows > 1 {
			return nil, fmt.Errorf("bind exactly one row of parameters (got more): a query runs with one set of values")
		}
		if rec.NumRows() == 0 {
			continue
		}
		if _, err := paramValues(rec); err != nil {
			return nil, err
		}
		if w == nil {
			w = ipc.NewWriter(&buf, ipc.WithSchema(rec.Schema()))
		}
		if err := w.Write(rec); err != nil {
			return nil, fmt.Errorf("encode parameters: %w", err)
		}
	}
	if err := rdr.Err(); err != nil {
		return nil, fmt.Errorf("read parameters: %w", err)
	}
	if w == nil {
		return nil, nil
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encode parameters: %w", err)
	}
	if buf.Len() > maxParamBytes {
		return nil, fmt.Errorf("parameters take %d bytes, more than the %d allowed", buf.Len(), maxParamBytes)
	}
	return buf.Bytes(), nil
}

// decodeParams returns the values of encoded parameters (nil for none).
func decodeParams(encoded []byte) ([]any, error) {
	if len(encoded) == 0 {
		return nil, nil
	}
	r, err := ipc.NewReader(bytes.NewReader(encoded), ipc.WithAllocator(memory.DefaultAllocator))
	if err != nil {
		return nil, fmt.Errorf("decode parameters: %w", err)
	}
	defer r.Release()
	if !r.Next() {
		if err := r.Err(); err != nil {
			return nil, fmt.Errorf("decode parameters: %w", err)
		}
		return nil, nil
	}
	return paramValues(r.RecordBatch())
}

// paramValues returns the first row of rec as Go values: nil, bool, int64,
// uint64, float64, string, []byte or time.Time. Timestamps, dates and
// time64 values (see paramValue) become time.Time in UTC.
func paramValues(rec arrow.RecordBatch) ([]any, error) {
	out := make([]any, rec.NumCols())
	for i, col := range rec.Columns() {
		v, err := paramValue(col, 0)
		if err != nil {
			return nil, fmt.Errorf("parameter %d (%q, %s): %w", i+1, rec.Schema().Field(i).Name, col.DataType(), err)
		}
		out[i] = v
	}
	return out, nil
}

func paramValue(arr arrow.Array, i int) (any, error) {
	if a, ok := arr.(*array.Time64); ok && !a.IsNull(i) {
		// The arrow-go database/sql driver sends time.Time arguments as
		// time64[ns] holding Unix nanoseconds, not a time of day.
		unit := a.DataType().(*arrow.Time64Type).Unit
		return time.Unix(0, int64(a.Value(i))*int64(unit.Multiplier())).UTC(), nil
	}
	if v, ok := arrowvalue.At(arr, i); ok {
		return v, nil
	}
	return nil, fmt.Errorf("unsupported parameter type: bind booleans, integers, floats, strings, binary or timestamps")
}
