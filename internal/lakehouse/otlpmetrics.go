package lakehouse

import (
	"context"
	"fmt"
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

// otlpMetrics is what an OTLP metrics block holds for the measure
// views: its measures rows, the sketches of its delta histograms, and
// its cumulative histogram points (whose sketches are their deltas,
// cumulative.go).
type otlpMetrics struct {
	rows       []measureRow
	hists      []histogramRow
	cumulative []cumulativePoint
}

// measureRows decodes the values of a metrics block of either format,
// and for OTLP blocks their histograms; on error nothing is returned.
func (l *Lakehouse) measureRows(ctx context.Context, b catalog.Block, m *streamMeta) (otlpMetrics, error) {
	if isOTLP(m.stream) {
		return l.otlpMeasureRows(ctx, b, m, false)
	}
	rows, err := blockRows(ctx, l, b, m, measureRowFromObject)
	return otlpMetrics{rows: rows}, err
}

// otlpCumulativePoints decodes the cumulative histogram points of an
// OTLP metrics block.
func (l *Lakehouse) otlpCumulativePoints(ctx context.Context, b catalog.Block, m *streamMeta) ([]cumulativePoint, error) {
	om, err := l.otlpMeasureRows(ctx, b, m, true)
	return om.cumulative, err
}

// otlpMeasureRows maps the data points of an OTLP metrics block to
// measures (docs/sql.md): a gauge or sum point is one row (name and unit
// of its metric, target the scope name, properties its attributes); a
// histogram or exponential histogram point is the rows <name>_count,
// <name>_sum, <name>_min and <name>_max (those it has), and a
// histogramRow of its buckets with delta temporality, a cumulativePoint
// with cumulative temporality; a summary point is <name>_count,
// <name>_sum and one row per quantile named <name> with the property
// quantile. With onlyCumulative, only the cumulative points are kept.
func (l *Lakehouse) otlpMeasureRows(ctx context.Context, b catalog.Block, m *streamMeta, onlyCumulative bool) (otlpMetrics, error) {
	data, err := l.otlpPayload(ctx, b, m, catalog.FormatOTLPMetrics)
	if err != nil {
		return otlpMetrics{}, err
	}
	om, err := decodeOTLPMetrics(data, int(b.NbObjects), onlyCumulative)
	if err != nil {
		return otlpMetrics{}, fmt.Errorf("block %s: %w", b.BlockID, err)
	}
	return om, nil
}

// decodeOTLPMetrics maps the data points of an OTLP metrics payload to
// measures and histograms (see otlpMeasureRows); n is the expected
// number of points.
func decodeOTLPMetrics(data []byte, n int, onlyCumulative bool) (otlpMetrics, error) {
	req := pmetricotlp.NewExportRequest()
	if err := req.UnmarshalProto(data); err != nil {
		return otlpMetrics{}, fmt.Errorf("decode OTLP metrics: %w", err)
	}
	c := metricConverter{onlyCumulative: onlyCumulative}
	if !onlyCumulative {
		c.rows = make([]measureRow, 0, min(max(n, 0), maxPresizedRows))
	}
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
	return otlpMetrics{rows: c.rows, hists: c.hists, cumulative: c.cumulative}, nil
}

// metricConverter accumulates the rows of the metrics of one scope.
type metricConverter struct {
	target         string
	onlyCumulative bool
	rows           []measureRow
	hists          []histogramRow
	cumulative     []cumulativePoint
}

func (c *metricConverter) add(t pcommon.Timestamp, name, unit string, v float64, props string) {
	c.rows = append(c.rows, measureRow{time: int64(t), target: c.target, name: name, unit: unit, value: v, propsText: props})
}

func (c *metricConverter) metric(m pmetric.Metric) {
	name, unit := m.Name(), m.Unit()
	if c.onlyCumulative {
		c.cumulativeOnly(m)
		return
	}
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
		temporality := m.Histogram().AggregationTemporality()
		ps := m.Histogram().DataPoints()
		for i := range ps.Len() {
			p := ps.At(i)
			props := attrsJSON(p.Attributes())
			c.distribution(p.Timestamp(), name, unit, props, p.Count(),
				optional(p.HasSum(), p.Sum()), optional(p.HasMin(), p.Min()), optional(p.HasMax(), p.Max()))
			c.histogram(temporality, name, unit, props, explicitPoint(p))
		}
	case pmetric.MetricTypeExponentialHistogram:
		temporality := m.ExponentialHistogram().AggregationTemporality()
		ps := m.ExponentialHistogram().DataPoints()
		for i := range ps.Len() {
			p := ps.At(i)
			props := attrsJSON(p.Attributes())
			c.distribution(p.Timestamp(), name, unit, props, p.Count(),
				optional(p.HasSum(), p.Sum()), optional(p.HasMin(), p.Min()), optional(p.HasMax(), p.Max()))
			c.histogram(temporality, name, unit, props, exponentialPoint(p))
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

// histogram adds the sketch of a delta point, or keeps a cumulative
// point for its delta (cumulative.go); a point of unspecified
// temporality adds nothing.
func (c *metricConverter) histogram(t pmetric.AggregationTemporality, name, unit, props string, p histPoint) {
	switch t {
	case pmetric.AggregationTemporalityDelta:
		c.hists = append(c.hists, histogramRow{time: p.time, name: name, target: c.target, unit: unit, sum: p.sum, sketch: p.sketch()})
		return
	case pmetric.AggregationTemporalityCumulative:
	default:
		return
	}
	c.cumulative = append(c.cumulative, cumulativePoint{
		key: seriesKey{name: name, target: c.target, unit: unit, props: props, start: p.start, exponential: p.exponential},
		p:   p,
	})
}

// cumulativeOnly keeps the cumulative histogram points of a metric.
func (c *metricConverter) cumulativeOnly(m pmetric.Metric) {
	name, unit := m.Name(), m.Unit()
	switch m.Type() {
	case pmetric.MetricTypeHistogram:
		if t := m.Histogram().AggregationTemporality(); t == pmetric.AggregationTemporalityCumulative {
			ps := m.Histogram().DataPoints()
			for i := range ps.Len() {
				c.histogram(t, name, unit, attrsJSON(ps.At(i).Attributes()), explicitPoint(ps.At(i)))
			}
		}
	case pmetric.MetricTypeExponentialHistogram:
		if t := m.ExponentialHistogram().AggregationTemporality(); t == pmetric.AggregationTemporalityCumulative {
			ps := m.ExponentialHistogram().DataPoints()
			for i := range ps.Len() {
				c.histogram(t, name, unit, attrsJSON(ps.At(i).Attributes()), exponentialPoint(ps.At(i)))
			}
		}
	}
}
