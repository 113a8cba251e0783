package lakehouse

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/sketch"
)

// measure_stats keeps, per minute, process and metric (name, target,
// unit), the count, sum, min and max of the values and their sketch: a
// p99 per minute over a day reads 1,440 sketches per process instead of
// every value. Like log_stats, its rows are made per block and summed by
// readers (measureStatsSQL) and by compaction.

// MeasureStatsSchema is the schema of measure_stats.
var MeasureStatsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "time_bin", Type: timestamp},
	{Name: "process_id", Type: dict16},
	{Name: "name", Type: dict16},
	{Name: "target", Type: dict16},
	{Name: "unit", Type: dict16},
	{Name: "count", Type: arrow.PrimitiveTypes.Int64},
	{Name: "sum", Type: arrow.PrimitiveTypes.Float64},
	{Name: "min", Type: arrow.PrimitiveTypes.Float64},
	{Name: "max", Type: arrow.PrimitiveTypes.Float64},
	{Name: "sketch", Type: sketchType},
}, nil)

// measureStatsRowSchema is MeasureStatsSchema with plain strings: the
// rows of blocks, dictionary-encoded once summed (see logStatsRowSchema).
var measureStatsRowSchema = plainStrings(MeasureStatsSchema)

// measureStatsSQL merges the rows of equal keys of a table of
// measure_stats rows (%s).
const measureStatsSQL = `SELECT time_bin, process_id, name, target, unit,
	CAST(sum("count") AS BIGINT) AS "count", sum("sum") AS "sum", min("min") AS "min", max("max") AS "max",
	sum_sketches(sketch) AS sketch
	FROM %s GROUP BY time_bin, process_id, name, target, unit`

// measureStatsMergeSQL is measureStatsSQL ordered for the files the
// daemon writes.
const measureStatsMergeSQL = measureStatsSQL + ` ORDER BY time_bin, process_id, name, target, unit`

// measureStatsKey is one row of measure_stats within a block.
type measureStatsKey struct {
	bin                int64 // ns since epoch, a multiple of logStatsBin
	name, target, unit string
}

// measureStats accumulates the rows of measure_stats of some values.
type measureStats struct {
	keys []measureStatsKey
	sums map[measureStatsKey]*measureStatsRow
}

type measureStatsRow struct {
	sum    float64
	sketch sketch.Builder
}

func newMeasureStats() *measureStats {
	return &measureStats{sums: map[measureStatsKey]*measureStatsRow{}}
}

// add counts value v of a metric at time t (ns since epoch); NaN is
// left out of every aggregate.
func (ms *measureStats) add(t int64, name, target, unit string, v float64) {
	if math.IsNaN(v) {
		return
	}
	k := measureStatsKey{bin: floorBin(t, int64(logStatsBin)), name: name, target: target, unit: unit}
	r := ms.sums[k]
	if r == nil {
		r = &measureStatsRow{}
		ms.sums[k] = r
		ms.keys = append(ms.keys, k)
	}
	r.sum += v
	r.sketch.Add(v)
}

// addSketch adds the values of a histogram's buckets, at its time.
func (ms *measureStats) addSketch(h histogramRow) {
	if h.sketch.Count == 0 {
		return
	}
	k := measureStatsKey{bin: floorBin(h.time, int64(logStatsBin)), name: h.name, target: h.target, unit: h.unit}
	r := ms.sums[k]
	if r == nil {
		r = &measureStatsRow{}
		ms.sums[k] = r
		ms.keys = append(ms.keys, k)
	}
	r.sum += h.sum
	r.sketch.Merge(&h.sketch)
}

// appendTo appends the rows of process processID, keys in order, to s.
func (ms *measureStats) appendTo(s *sink, processID string) {
	slices.SortFunc(ms.keys, func(a, b measureStatsKey) int {
		return cmp.Or(cmp.Compare(a.bin, b.bin), cmp.Compare(a.name, b.name), cmp.Compare(a.target, b.target), cmp.Compare(a.unit, b.unit))
	})
	c := s.c
	sb := c.b[9].(*array.StructBuilder)
	mins, maxs := sb.FieldBuilder(0).(*array.Float64Builder), sb.FieldBuilder(1).(*array.Float64Builder)
	counts := sb.FieldBuilder(2).(*array.Uint64Builder)
	kl, cl := sb.FieldBuilder(3).(*array.ListBuilder), sb.FieldBuilder(4).(*array.ListBuilder)
	kv, cv := kl.ValueBuilder().(*array.Int32Builder), cl.ValueBuilder().(*array.Uint64Builder)
	for _, k := range ms.keys {
		r := ms.sums[k]
		sk := r.sketch.Sketch()
		c.ts(0, k.bin)
		c.str(1, processID)
		c.str(2, k.name)
		c.str(3, k.target)
		c.str(4, k.unit)
		c.i64(5, int64(sk.Count))
		c.f64(6, r.sum)
		c.f64(7, sk.Min)
		c.f64(8, sk.Max)
		sb.Append(true)
		mins.Append(sk.Min)
		maxs.Append(sk.Max)
		counts.Append(sk.Count)
		kl.Append(true)
		kv.AppendValues(sk.Keys, nil)
		cl.Append(true)
		cv.AppendValues(sk.Counts, nil)
		// A row stands for values anywhere in its minute.
		s.noteRow(k.bin, k.bin+int64(logStatsBin)-1)
	}
}

// appendMeasureStatsBlock decodes a metrics block and appends one row
// per minute and metric of its values (and of the buckets of the OTLP
// histograms it holds: delta points as they are, cumulative points as
// their deltas, cumulative.go); on error nothing of the block is
// appended.
func (l *Lakehouse) appendMeasureStatsBlock(ctx context.Context, s *sink, b catalog.Block, m *streamMeta) error {
	om, err := l.measureRows(ctx, b, m)
	if err != nil {
		return err
	}
	if len(om.cumulative) > 0 {
		deltas, err := l.cumulativeDeltas(ctx, b, m, om.cumulative)
		if err != nil {
			return err
		}
		om.hists = append(om.hists, deltas...)
	}
	ms := newMeasureStats()
	for _, r := range om.rows {
		ms.add(r.time, r.name, r.target, r.unit, r.value)
	}
	for _, h := range om.hists {
		ms.addSketch(h)
	}
	ms.appendTo(s, m.process.ProcessID)
	return nil
}
