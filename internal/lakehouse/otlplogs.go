package lakehouse

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// logRows decodes the log entries of a log block of either format; on
// error no row is returned.
func (l *Lakehouse) logRows(ctx context.Context, b catalog.Block, m *streamMeta) ([]logRow, error) {
	if isOTLP(m.stream) {
		return l.otlpLogRows(ctx, b, m)
	}
	return blockRows(ctx, l, b, m, logRowFromObject)
}

// otlpLogRows maps the records of an OTLP logs block to log entries:
// time is time_unix_nano, else observed_time_unix_nano, else the block's
// insert time; level comes from the severity (otlpLevel); msg is the
// body (its JSON text when it is not a string); target is the scope
// name; properties are the record's attributes plus trace_id, span_id,
// severity_text and event_name when they are set.
func (l *Lakehouse) otlpLogRows(ctx context.Context, b catalog.Block, m *streamMeta) ([]logRow, error) {
	data, err := l.otlpPayload(ctx, b, m, catalog.FormatOTLPLogs)
	if err != nil {
		return nil, err
	}
	rows, err := decodeOTLPLogs(data, b.InsertTime.UnixNano(), int(b.NbObjects))
	if err != nil {
		return nil, fmt.Errorf("block %s: %w", b.BlockID, err)
	}
	return rows, nil
}

// decodeOTLPLogs maps the log records of an OTLP logs payload to log
// entries (see otlpLogRows); inserted is the block's insert time, n the
// expected number of records.
func decodeOTLPLogs(data []byte, inserted int64, n int) ([]logRow, error) {
	req := plogotlp.NewExportRequest()
	if err := req.UnmarshalProto(data); err != nil {
		return nil, fmt.Errorf("decode OTLP logs: %w", err)
	}
	rows := make([]logRow, 0, min(max(n, 0), maxPresizedRows))
	rls := req.Logs().ResourceLogs()
	for i := range rls.Len() {
		sls := rls.At(i).ScopeLogs()
		for j := range sls.Len() {
			target := sls.At(j).Scope().Name()
			lrs := sls.At(j).LogRecords()
			for k := range lrs.Len() {
				lr := lrs.At(k)
				var traceID, spanID string
				if !lr.TraceID().IsEmpty() {
					traceID = lr.TraceID().String()
				}
				if !lr.SpanID().IsEmpty() {
					spanID = lr.SpanID().String()
				}
				rows = append(rows, logRow{
					time:   otlpLogTime(lr, inserted),
					target: target,
					level:  otlpLevel(lr.SeverityNumber(), lr.SeverityText()),
					msg:    lr.Body().AsString(),
					propsText: attrsJSON(lr.Attributes(), "trace_id", traceID, "span_id", spanID,
						"severity_text", lr.SeverityText(), "event_name", lr.EventName()),
				})
			}
		}
	}
	return rows, nil
}

// otlpLogTime is the time of a log record (ns since the epoch), as the
// receiver counts it (otlp.LogTime): time_unix_nano, else
// observed_time_unix_nano, else inserted.
func otlpLogTime(lr plog.LogRecord, inserted int64) int64 {
	if t := lr.Timestamp(); t != 0 {
		return int64(t)
	}
	if t := lr.ObservedTimestamp(); t != 0 {
		return int64(t)
	}
	return inserted
}

// otlpLevel maps an OTLP severity to our levels (fatal 1 ... trace 6):
// the severity number's range (TRACE 1-4 → 6, DEBUG 5-8 → 5, INFO 9-12
// → 4, WARN 13-16 → 3, ERROR 17-20 → 2, FATAL 21-24 → 1), else the
// severity text (fatal, critical, error, warn, warning, info, notice,
// debug, trace, any case), else info.
func otlpLevel(n plog.SeverityNumber, text string) int32 {
	switch {
	case n >= 21:
		return 1
	case n >= 17:
		return 2
	case n >= 13:
		return 3
	case n >= 9:
		return 4
	case n >= 5:
		return 5
	case n >= 1:
		return 6
	}
	switch strings.ToLower(text) {
	case "fatal", "critical", "crit", "emergency", "alert":
		return 1
	case "error", "err":
		return 2
	case "warn", "warning":
		return 3
	case "debug":
		return 5
	case "trace":
		return 6
	}
	return 4
}
