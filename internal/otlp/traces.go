package otlp

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// spanProblem returns why a span cannot be stored, or "" when it can:
// its trace and span ids must not be all zeros (as the OTLP
// specification says), and its start and end times must be set, in
// order, and before 2262.
func spanProblem(sp ptrace.Span) string {
	switch {
	case sp.TraceID().IsEmpty():
		return "trace_id is missing or all zeros"
	case sp.SpanID().IsEmpty():
		return "span_id is missing or all zeros"
	case sp.StartTimestamp() == 0:
		return "start_time_unix_nano is missing"
	case sp.EndTimestamp() < sp.StartTimestamp():
		return "end_time_unix_nano is before start_time_unix_nano"
	}
	return checkTime("end_time_unix_nano", uint64(sp.EndTimestamp()))
}

// splitTraces is splitLogs for spans; a span counts at its start time.
func splitTraces(req ptraceotlp.ExportRequest, raw []byte) ([]batch, rejection, error) {
	rss := req.Traces().ResourceSpans()
	var rej rejection
	accepted := make([]bounds, rss.Len())
	for i := range rss.Len() {
		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			sss.At(j).Spans().RemoveIf(func(sp ptrace.Span) bool {
				if why := spanProblem(sp); why != "" {
					rej.add("resource %d, scope %d, span %q: %s", i, j, sp.Name(), why)
					return true
				}
				accepted[i].add(int64(sp.StartTimestamp()))
				return false
			})
		}
	}
	groups := groupByProcess(rss.Len(), func(i int) pcommon.Resource { return rss.At(i).Resource() }, accepted)
	if len(groups) == 1 && rss.Len() == 1 && rej.n == 0 && raw != nil {
		g := groups[0]
		return []batch{{processID: g.processID, resource: rss.At(0).Resource(), payload: raw, records: g.bounds.n,
			begin: g.bounds.begin, end: g.bounds.end}}, rej, nil
	}
	out := make([]batch, 0, len(groups))
	for _, g := range groups {
		td := ptrace.NewTraces()
		for _, i := range g.members {
			rss.At(i).MoveTo(td.ResourceSpans().AppendEmpty())
		}
		payload, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if err != nil {
			return nil, rej, err
		}
		out = append(out, batch{processID: g.processID, resource: td.ResourceSpans().At(0).Resource(), payload: payload,
			records: g.bounds.n, begin: g.bounds.begin, end: g.bounds.end})
	}
	return out, rej, nil
}
