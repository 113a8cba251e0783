package otlp

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// LogTime is the time of a log record in ns since the epoch: its
// time_unix_nano, else its observed_time_unix_nano, else received (the
// lakehouse uses the block's insert time).
func LogTime(lr plog.LogRecord, received int64) int64 {
	if t := lr.Timestamp(); t != 0 {
		return int64(t)
	}
	if t := lr.ObservedTimestamp(); t != 0 {
		return int64(t)
	}
	return received
}

// splitLogs checks the records of a logs request, removes those it
// refuses, and returns the blocks of its processes. raw is the protobuf
// body (nil for JSON), kept as the payload when it holds one process and
// nothing was refused.
func splitLogs(req plogotlp.ExportRequest, raw []byte, now time.Time) ([]batch, rejection, error) {
	rls := req.Logs().ResourceLogs()
	var rej rejection
	accepted := make([]bounds, rls.Len())
	received := now.UnixNano()
	for i := range rls.Len() {
		sls := rls.At(i).ScopeLogs()
		for j := range sls.Len() {
			sls.At(j).LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				t := uint64(LogTime(lr, received))
				if why := checkTime("time_unix_nano", t); why != "" {
					rej.add("resource %d, scope %d: %s", i, j, why)
					return true
				}
				accepted[i].add(int64(t))
				return false
			})
		}
	}
	groups := groupByProcess(rls.Len(), func(i int) pcommon.Resource { return rls.At(i).Resource() }, accepted)
	if len(groups) == 1 && rls.Len() == 1 && rej.n == 0 && raw != nil {
		g := groups[0]
		return []batch{{processID: g.processID, resource: rls.At(0).Resource(), payload: raw, records: g.bounds.n,
			begin: g.bounds.begin, end: g.bounds.end}}, rej, nil
	}
	out := make([]batch, 0, len(groups))
	for _, g := range groups {
		ld := plog.NewLogs()
		for _, i := range g.members {
			rls.At(i).MoveTo(ld.ResourceLogs().AppendEmpty())
		}
		payload, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
		if err != nil {
			return nil, rej, err
		}
		out = append(out, batch{processID: g.processID, resource: ld.ResourceLogs().At(0).Resource(), payload: payload,
			records: g.bounds.n, begin: g.bounds.begin, end: g.bounds.end})
	}
	return out, rej, nil
}
