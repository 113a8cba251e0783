package engine

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// UTC is the time zone label of every timestamp the engine returns, as in
// the original Micromegas schemas.
const UTC = "+00:00"

// TimestampType is the Arrow type of every top-level timestamp column the
// engine returns: nanoseconds since the Unix epoch, UTC.
var TimestampType = &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: UTC}

// timeNormalizer rewrites DuckDB's Arrow output so that every top-level
// timestamp column is timestamp[ns, tz=+00:00]. DuckDB exports TIMESTAMP_NS
// as timestamp[ns] without a zone (relabelled, zero copy), TIMESTAMP WITH
// TIME ZONE as timestamp[us, tz=UTC] and the other timestamp types in their
// own unit (converted to nanoseconds). Values are UTC instants in all cases
// because the session time zone is UTC.
type timeNormalizer struct {
	in, out *arrow.Schema
	factor  []int64 // per column: 0 = untouched, else the multiplier to ns
}

// The output schema also marks the columns that plan proves non-nullable
// (notnull.go); batches are relabelled with it.
func newTimeNormalizer(in *arrow.Schema, plan []resultColumn) *timeNormalizer {
	n := &timeNormalizer{in: in, out: in, factor: make([]int64, len(in.Fields()))}
	fields := in.Fields()
	changed := false
	for i, f := range fields {
		ts, ok := f.Type.(*arrow.TimestampType)
		if !ok {
			continue
		}
		n.factor[i] = unitFactor(ts.Unit)
		fields[i].Type = TimestampType
		changed = true
	}
	if changed {
		md := in.Metadata()
		n.out = arrow.NewSchema(fields, &md)
	}
	n.out = applyNotNull(n.out, plan)
	return n
}

// unitFactor returns the number of nanoseconds in one unit.
func unitFactor(u arrow.TimeUnit) int64 {
	switch u {
	case arrow.Second:
		return 1e9
	case arrow.Millisecond:
		return 1e6
	case arrow.Microsecond:
		return 1e3
	default:
		return 1
	}
}

// normalize returns rec with the output schema. It takes ownership of rec.
func (n *timeNormalizer) normalize(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	if n.out == n.in {
		return rec, nil
	}
	defer rec.Release()
	cols := make([]arrow.Array, rec.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, c := range rec.Columns() {
		var err error
		switch n.factor[i] {
		case 0:
			c.Retain()
			cols[i] = c
		case 1:
			cols[i] = relabel(c, TimestampType)
		default:
			cols[i], err = scaleTimestamps(c, n.factor[i])
		}
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", n.out.Field(i).Name, err)
		}
	}
	return array.NewRecordBatch(n.out, cols, rec.NumRows()), nil
}

// relabel returns the data of a with another type of the same layout
// (a non-dictionary type).
func relabel(a arrow.Array, t arrow.DataType) arrow.Array {
	d := a.Data()
	nd := array.NewData(t, d.Len(), d.Buffers(), d.Children(), d.NullN(), d.Offset())
	defer nd.Release()
	return array.MakeFromData(nd)
}

// scaleTimestamps converts a timestamp column to nanoseconds.
func scaleTimestamps(a arrow.Array, factor int64) (arrow.Array, error) {
	in := a.(*array.Timestamp).TimestampValues()
	out := make([]arrow.Timestamp, len(in))
	for i, v := range in {
		if a.IsNull(i) {
			continue
		}
		if v > math.MaxInt64/arrow.Timestamp(factor) || v < math.MinInt64/arrow.Timestamp(factor) {
			return nil, &QueryError{Invalid: true, Msg: fmt.Sprintf(
				"Out of Range Error: timestamp %d (unit 1/%d s) cannot be returned with nanosecond precision "+
					"(years 1677-2262); cast it to VARCHAR or use epoch_ms()", v, 1_000_000_000/factor)}
		}
		out[i] = v * arrow.Timestamp(factor)
	}
	var validity *memory.Buffer
	if a.NullN() > 0 {
		bits := make([]byte, bitutil.BytesForBits(int64(a.Len())))
		bitutil.SetBitsTo(bits, 0, int64(a.Len()), true)
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				bitutil.ClearBit(bits, i)
			}
		}
		validity = memory.NewBufferBytes(bits)
	}
	values := memory.NewBufferBytes(arrow.TimestampTraits.CastToBytes(out))
	d := array.NewData(TimestampType, a.Len(), []*memory.Buffer{validity, values}, nil, a.NullN(), 0)
	defer d.Release()
	return array.MakeFromData(d), nil
}

// normalizeSchema returns the schema the engine reports for a DuckDB
// result schema.
func normalizeSchema(s *arrow.Schema) *arrow.Schema { return newTimeNormalizer(s, nil).out }
