package otlp

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
)

// pointProblem returns why a data point of a metric cannot be stored, or
// "" when it can: the metric needs a name, the point a time before 2262.
func pointProblem(m pmetric.Metric, t pcommon.Timestamp) string {
	switch {
	case m.Name() == "":
		return "the metric has no name"
	case t == 0:
		return "time_unix_nano is missing"
	}
	return checkTime("time_unix_nano", uint64(t))
}

// splitMetrics is splitLogs for metric data points.
func splitMetrics(req pmetricotlp.ExportRequest, raw []byte) ([]batch, rejection, error) {
	rms := req.Metrics().ResourceMetrics()
	var rej rejection
	accepted := make([]bounds, rms.Len())
	for i := range rms.Len() {
		sms := rms.At(i).ScopeMetrics()
		for j := range sms.Len() {
			ms := sms.At(j).Metrics()
			for k := range ms.Len() {
				m := ms.At(k)
				keep := func(t pcommon.Timestamp) bool {
					if why := pointProblem(m, t); why != "" {
						rej.add("resource %d, scope %d, metric %q: %s", i, j, m.Name(), why)
						return false
					}
					accepted[i].add(int64(t))
					return true
				}
				switch m.Type() {
				case pmetric.MetricTypeGauge:
					m.Gauge().DataPoints().RemoveIf(func(p pmetric.NumberDataPoint) bool { return !keep(p.Timestamp()) })
				case pmetric.MetricTypeSum:
					m.Sum().DataPoints().RemoveIf(func(p pmetric.NumberDataPoint) bool { return !keep(p.Timestamp()) })
				case pmetric.MetricTypeHistogram:
					m.Histogram().DataPoints().RemoveIf(func(p pmetric.HistogramDataPoint) bool { return !keep(p.Timestamp()) })
				case pmetric.MetricTypeExponentialHistogram:
					m.ExponentialHistogram().DataPoints().RemoveIf(func(p pmetric.ExponentialHistogramDataPoint) bool { return !keep(p.Timestamp()) })
				case pmetric.MetricTypeSummary:
					m.Summary().DataPoints().RemoveIf(func(p pmetric.SummaryDataPoint) bool { return !keep(p.Timestamp()) })
				}
			}
		}
	}
	groups := groupByProcess(rms.Len(), func(i int) pcommon.Resource { return rms.At(i).Resource() }, accepted)
	if len(groups) == 1 && rms.Len() == 1 && rej.n == 0 && raw != nil {
		g := groups[0]
		return []batch{{processID: g.processID, resource: rms.At(0).Resource(), payload: raw, records: g.bounds.n,
			begin: g.bounds.begin, end: g.bounds.end}}, rej, nil
	}
	out := make([]batch, 0, len(groups))
	for _, g := range groups {
		md := pmetric.NewMetrics()
		for _, i := range g.members {
			rms.At(i).MoveTo(md.ResourceMetrics().AppendEmpty())
		}
		payload, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
		if err != nil {
			return nil, rej, err
		}
		out = append(out, batch{processID: g.processID, resource: md.ResourceMetrics().At(0).Resource(), payload: payload,
			records: g.bounds.n, begin: g.bounds.begin, end: g.bounds.end})
	}
	return out, rej, nil
}
