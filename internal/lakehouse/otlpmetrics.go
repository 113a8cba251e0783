package lakehouse

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/sketch"
)

// histogramRow is the distribution of one OTLP histogram data point, as
// a sketch of measure_stats.
type histogramRow struct {
	time               int64
	name, target, unit string
	sum                float64
	sketch             sketch.Sketch
}

// measureRows decodes the values of a metrics block of either format,
// and for OTLP blocks the distributions of their delta histograms; on
// error nothing is returned.
func (l *Lakehouse) measureRows(ctx context.Context, b catalog.Block, m *streamMeta) ([]measureRow, []histogramRow, error) {
	if isOTLP(m.stream) {
		return l.otlpMeasureRows(ctx, b, m)
	}
	rows, err := blockRows(ctx, l, b, m, measureRowFromObject)
	return rows, nil, err
}

// otlpMeasureRows maps the data points of an OTLP metrics block to
// measures (docs/sql.md): a gauge or sum point is one row (name and unit
// of its metric, target the scope name, properties its attributes); a
// histogram or exponential histogram point is the rows <name>_count,
// <name>_sum, <name>_min and <name>_max (those it has), and, with delta
// temporality, a histogramRow of its buckets; a summary point is
// <name>_count, <name>_sum and one row per quantile named <name> with
// the property quantile.
func (l *Lakehouse) otlpMeasureRows(ctx context.Context, b catalog.Block, m *streamMeta) ([]measureRow, []histogramRow, error) {
	data, err := l.otlpPayload(ctx, b, m, catalog.FormatOTLPMetrics)
	if err != nil {
		return nil, nil, err
	}
	rows, hists, err := decodeOTLPMetrics(data, int(b.NbObjects))
	if err != nil {
		return nil, nil, fmt.Errorf("block %s: %w", b.BlockID, err)
	}
	return rows, hists, nil
}

// decodeOTLPMetrics maps the data points of an OTLP metrics payload to
// measures and histograms (see otlpMeasureRows); n is the expected
// number of points.
func decodeOTLPMetrics(data []byte, n int) ([]measureRow, []histogramRow, error) {
	req := pmetricotlp.NewExportRequest()
	if err := req.UnmarshalProto(data); err != nil {
		return nil, nil, fmt.Errorf("decode OTLP metrics: %w", err)
	}
	var c metricConverter
	c.rows = make([]measureRow, 0, min(max(n, 0), maxPresizedRows))
	rms := req.Metrics().ResourceMetrics()
	for i := range rms.Len() {
		sms := rms.At(i).ScopeMetrics()
		for j := range sms.Len() {
			c.target = sms.At(j).Scope().Name()
			ms := sms.At(j).Metrics()
			for k := range ms.Len() {
				c.metric(ms.At(k))
			}
		}
	}
	return c.rows, c.hists, nil
}

// metricConverter accumulates the rows of the metrics of one scope.
type metricConverter struct {
	target string
	rows   []measureRow
	hists  []histogramRow
}

func (c *metricConverter) add(t pcommon.Timestamp, name, unit string, v float64, props string) {
	c.rows = append(c.rows, measureRow{time: int64(t), target: c.target, name: name, unit: unit, value: v, propsText: props})
}

func (c *metricConverter) metric(m pmetric.Metric) {
	name, unit := m.Name(), m.Unit()
	number := func(ps pmetric.NumberDataPointSlice) {
		for i := range ps.Len() {
			p := ps.At(i)
			switch p.ValueType() {
			case pmetric.NumberDataPointValueTypeInt:
				c.add(p.Timestamp(), name, unit, float64(p.IntValue()), attrsJSON(p.Attributes()))
			case pmetric.NumberDataPointValueTypeDouble:
				c.add(p.Timestamp(), name, unit, p.DoubleValue(), attrsJSON(p.Attributes()))
			}
		}
	}
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		number(m.Gauge().DataPoints())
	case pmetric.MetricTypeSum:
		number(m.Sum().DataPoints())
	case pmetric.MetricTypeHistogram:
		delta := m.Histogram().AggregationTemporality() == pmetric.AggregationTemporalityDelta
		ps := m.Histogram().DataPoints()
		for i := range ps.Len() {
			p := ps.At(i)
			c.distribution(p.Timestamp(), name, unit, attrsJSON(p.Attributes()), p.Count(),
				optional(p.HasSum(), p.Sum()), optional(p.HasMin(), p.Min()), optional(p.HasMax(), p.Max()))
			if delta {
				c.histogram(p.Timestamp(), name, unit, p.Sum(), explicitSketch(p))
			}
		}
	case pmetric.MetricTypeExponentialHistogram:
		delta := m.ExponentialHistogram().AggregationTemporality() == pmetric.AggregationTemporalityDelta
		ps := m.ExponentialHistogram().DataPoints()
		for i := range ps.Len() {
			p := ps.At(i)
			c.distribution(p.Timestamp(), name, unit, attrsJSON(p.Attributes()), p.Count(),
				optional(p.HasSum(), p.Sum()), optional(p.HasMin(), p.Min()), optional(p.HasMax(), p.Max()))
			if delta {
				c.histogram(p.Timestamp(), name, unit, p.Sum(), exponentialSketch(p))
			}
		}
	case pmetric.MetricTypeSummary:
		ps := m.Summary().DataPoints()
		for i := range ps.Len() {
			p := ps.At(i)
			props := attrsJSON(p.Attributes())
			c.distribution(p.Timestamp(), name, unit, props, p.Count(), optional(true, p.Sum()), nil, nil)
			qs := p.QuantileValues()
			for j := range qs.Len() {
				q := attrsJSON(p.Attributes(), "quantile", strconv.FormatFloat(qs.At(j).Quantile(), 'g', -1, 64))
				c.add(p.Timestamp(), name, unit, qs.At(j).Value(), q)
			}
		}
	}
}

func optional(ok bool, v float64) *float64 {
	if !ok {
		return nil
	}
	return &v
}

// distribution adds the _count, _sum, _min and _max rows of a point.
func (c *metricConverter) distribution(t pcommon.Timestamp, name, unit string, props string, count uint64, sum, lo, hi *float64) {
	c.add(t, name+"_count", "", float64(count), props)
	for _, v := range []struct {
		suffix string
		v      *float64
	}{{"_sum", sum}, {"_min", lo}, {"_max", hi}} {
		if v.v != nil {
			c.add(t, name+v.suffix, unit, *v.v, props)
		}
	}
}

func (c *metricConverter) histogram(t pcommon.Timestamp, name, unit string, sum float64, sk sketch.Sketch) {
	c.hists = append(c.hists, histogramRow{time: int64(t), name: name, target: c.target, unit: unit, sum: sum, sketch: sk})
}

// explicitSketch is the sketch of a histogram point with explicit
// bounds: the values of bucket i, (bounds[i-1], bounds[i]], counted at
// the bucket's midpoint; the open first and last buckets end at the
// point's min and max when it has them, else at their one bound. Min and
// Max are the point's when it has them.
func explicitSketch(p pmetric.HistogramDataPoint) sketch.Sketch {
	bounds, counts := p.ExplicitBounds(), p.BucketCounts()
	var b sketch.Builder
	for i := range counts.Len() {
		n := counts.At(i)
		if n == 0 {
			continue
		}
		var lo, hi float64
		switch {
		case bounds.Len() == 0: // one bucket: all values
			lo, hi = p.Min(), p.Max()
			if !p.HasMin() || !p.HasMax() {
				lo, hi = p.Sum()/float64(p.Count()), p.Sum()/float64(p.Count())
			}
		case i == 0:
			hi = bounds.At(0)
			lo = hi
			if p.HasMin() && p.Min() <= hi {
				lo = p.Min()
			}
		case i >= bounds.Len():
			lo = bounds.At(bounds.Len() - 1)
			hi = lo
			if p.HasMax() && p.Max() >= lo {
				hi = p.Max()
			}
		default:
			lo, hi = bounds.At(i-1), bounds.At(i)
		}
		v := lo + (hi-lo)/2
		if p.HasMin() {
			v = math.Max(v, p.Min())
		}
		if p.HasMax() {
			v = math.Min(v, p.Max())
		}
		b.AddN(v, n)
	}
	sk := b.Sketch()
	if p.HasMin() && sk.Count > 0 {
		sk.Min = p.Min()
	}
	if p.HasMax() && sk.Count > 0 {
		sk.Max = p.Max()
	}
	return sk
}

// exponentialSketch is the sketch of an exponential histogram point:
// the values of bucket index i at scale s, (base^i, base^(i+1)] with
// base = 2^(2^-s), counted at its geometric midpoint base^(i+1/2)
// (negative buckets mirrored), the zero bucket at 0.
func exponentialSketch(p pmetric.ExponentialHistogramDataPoint) sketch.Sketch {
	var b sketch.Builder
	step := math.Exp2(-float64(p.Scale()))
	add := func(bk pmetric.ExponentialHistogramDataPointBuckets, sign float64) {
		counts := bk.BucketCounts()
		for j := range counts.Len() {
			idx := float64(bk.Offset()) + float64(j)
			b.AddN(sign*math.Exp2((idx+0.5)*step), counts.At(j))
		}
	}
	b.AddN(0, p.ZeroCount())
	add(p.Positive(), 1)
	add(p.Negative(), -1)
	sk := b.Sketch()
	if p.HasMin() && sk.Count > 0 {
		sk.Min = p.Min()
	}
	if p.HasMax() && sk.Count > 0 {
		sk.Max = p.Max()
	}
	return sk
}
