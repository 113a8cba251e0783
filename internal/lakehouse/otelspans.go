package lakehouse

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// otel_spans holds the spans received over OTLP, one row per span. Its
// files are sorted by trace id (then begin): files written from blocks
// sort their rows before writing (spanRows), merges with ORDER BY
// (viewSet.order), so the row groups of a file hold narrow ranges of
// trace ids and DuckDB skips the others by their statistics; each file
// also carries a Bloom filter of its trace ids (tracefilter.go), so a
// query for one trace opens only the files that may hold it.

// OtelSpansView is the name of the view of OTLP spans.
const OtelSpansView = "otel_spans"

// OtelSpansSchema is the schema of otel_spans. Ids are lower-case hex;
// parent_span_id is null for a root span; events and links are JSON
// arrays; attributes and resource_attributes are properties (props.go).
var OtelSpansSchema = arrow.NewSchema([]arrow.Field{
	{Name: "process_id", Type: dict16},
	{Name: "stream_id", Type: dict16},
	{Name: "block_id", Type: dict16},
	{Name: "insert_time", Type: timestamp},
	{Name: "exe", Type: dict16},
	{Name: "service_name", Type: dict16},
	{Name: "scope_name", Type: dict16},
	{Name: "trace_id", Type: arrow.BinaryTypes.String},
	{Name: "span_id", Type: arrow.BinaryTypes.String},
	{Name: "parent_span_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "trace_state", Type: arrow.BinaryTypes.String},
	{Name: "name", Type: dict16},
	{Name: "kind", Type: dict16},
	{Name: "begin", Type: timestamp},
	{Name: "end", Type: timestamp},
	{Name: "duration", Type: arrow.PrimitiveTypes.Int64},
	{Name: "status_code", Type: dict16},
	{Name: "status_message", Type: arrow.BinaryTypes.String},
	{Name: "attributes", Type: propsType},
	{Name: "events", Type: arrow.BinaryTypes.String},
	{Name: "links", Type: arrow.BinaryTypes.String},
	{Name: "resource_attributes", Type: propsType},
}, nil)

// spanTimeFilter keeps the spans that meet [begin, end].
func spanTimeFilter(begin, end string) string {
	return fmt.Sprintf(`"begin" <= %s AND "end" >= %s`, end, begin)
}

// spanRow is one span before it is appended.
type spanRow struct {
	bc                                      *blockContext
	traceID, spanID, parentID, traceState   string
	serviceName, scopeName, name, kind      string
	begin, end                              int64
	statusCode, statusMessage               string
	attributes, events, links, resourceAttr string
}

// spanRows are the rows of an otel_spans sink, appended to its columns
// sorted by trace id and begin when the sink is written.
type spanRows struct{ rows []spanRow }

func (sr *spanRows) flush(c cols) {
	// Sorting indices moves 4 bytes where a row is 300.
	order := make([]int32, len(sr.rows))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int {
		a, b := &sr.rows[i], &sr.rows[j]
		return cmp.Or(strings.Compare(a.traceID, b.traceID), cmp.Compare(a.begin, b.begin))
	})
	for _, i := range order {
		r := &sr.rows[i]
		for j, v := range [...]string{r.bc.processID, r.bc.streamID, r.bc.blockID} {
			c.dict(j, v)
		}
		c.ts(3, r.bc.insertTime)
		c.dict(4, r.bc.exe)
		c.dict(5, r.serviceName)
		c.dict(6, r.scopeName)
		c.str(7, r.traceID)
		c.str(8, r.spanID)
		if r.parentID == "" {
			c.null(9)
		} else {
			c.str(9, r.parentID)
		}
		c.str(10, r.traceState)
		c.dict(11, r.name)
		c.dict(12, r.kind)
		c.ts(13, r.begin)
		c.ts(14, r.end)
		c.i64(15, r.end-r.begin)
		c.dict(16, r.statusCode)
		c.str(17, r.statusMessage)
		c.dict(18, r.attributes)
		c.str(19, r.events)
		c.str(20, r.links)
		c.dict(21, r.resourceAttr)
	}
	sr.rows = nil
}

// appendOtelSpansBlock decodes an OTLP traces block and adds its spans
// to the sink's pending rows; on error nothing of the block is added.
func (l *Lakehouse) appendOtelSpansBlock(ctx context.Context, s *sink, b catalog.Block, m *streamMeta) error {
	data, err := l.otlpPayload(ctx, b, m, catalog.FormatOTLPTraces)
	if err != nil {
		return err
	}
	sr, _ := s.pending.(*spanRows)
	if sr == nil {
		sr = &spanRows{}
		s.pending = sr
	}
	n := len(sr.rows)
	sr.rows = slices.Grow(sr.rows, min(max(int(b.NbObjects), 0), maxPresizedRows))
	if sr.rows, err = decodeOTLPSpans(data, newBlockContext(b, m), sr.rows); err != nil {
		return fmt.Errorf("block %s: %w", b.BlockID, err)
	}
	for _, r := range sr.rows[n:] {
		s.noteRow(r.begin, r.end)
	}
	return nil
}

// decodeOTLPSpans appends the spans of an OTLP traces payload to rows;
// on error rows is returned unchanged.
func decodeOTLPSpans(data []byte, bc *blockContext, rows []spanRow) ([]spanRow, error) {
	req := ptraceotlp.NewExportRequest()
	if err := req.UnmarshalProto(data); err != nil {
		return rows, fmt.Errorf("decode OTLP traces: %w", err)
	}
	rss := req.Traces().ResourceSpans()
	for i := range rss.Len() {
		res := rss.At(i).Resource()
		service := ""
		if v, ok := res.Attributes().Get("service.name"); ok {
			service = v.AsString()
		}
		resAttrs := attrsJSON(res.Attributes())
		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			scope := sss.At(j).Scope().Name()
			spans := sss.At(j).Spans()
			for k := range spans.Len() {
				sp := spans.At(k)
				r := spanRow{
					bc: bc, traceID: sp.TraceID().String(), spanID: sp.SpanID().String(),
					traceState: sp.TraceState().AsRaw(), serviceName: service, scopeName: scope, name: sp.Name(),
					kind: spanKind(sp.Kind()), begin: int64(sp.StartTimestamp()), end: int64(sp.EndTimestamp()),
					statusCode: statusCode(sp.Status().Code()), statusMessage: sp.Status().Message(),
					attributes: attrsJSON(sp.Attributes()), events: eventsJSON(sp.Events()), links: linksJSON(sp.Links()),
					resourceAttr: resAttrs,
				}
				if !sp.ParentSpanID().IsEmpty() {
					r.parentID = sp.ParentSpanID().String()
				}
				r.end = max(r.end, r.begin)
				rows = append(rows, r)
			}
		}
	}
	return rows, nil
}

func spanKind(k ptrace.SpanKind) string {
	switch k {
	case ptrace.SpanKindInternal:
		return "internal"
	case ptrace.SpanKindServer:
		return "server"
	case ptrace.SpanKindClient:
		return "client"
	case ptrace.SpanKindProducer:
		return "producer"
	case ptrace.SpanKindConsumer:
		return "consumer"
	}
	return "unspecified"
}

func statusCode(c ptrace.StatusCode) string {
	switch c {
	case ptrace.StatusCodeOk:
		return "ok"
	case ptrace.StatusCodeError:
		return "error"
	}
	return "unset"
}

// eventsJSON returns the events of a span as a JSON array of objects
// {"name", "time" (RFC 3339, UTC), "attributes"}.
func eventsJSON(evs ptrace.SpanEventSlice) string {
	if evs.Len() == 0 {
		return "[]"
	}
	buf := []byte{'['}
	for i := range evs.Len() {
		ev := evs.At(i)
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"name":`...)
		buf = appendJSONString(buf, ev.Name())
		buf = append(buf, `,"time":`...)
		buf = appendJSONString(buf, time.Unix(0, int64(ev.Timestamp())).UTC().Format(time.RFC3339Nano))
		buf = append(buf, `,"attributes":`...)
		buf = append(buf, attrsJSON(ev.Attributes())...)
		buf = append(buf, '}')
	}
	return string(append(buf, ']'))
}

// linksJSON returns the links of a span as a JSON array of objects
// {"trace_id", "span_id", "trace_state", "attributes"}.
func linksJSON(links ptrace.SpanLinkSlice) string {
	if links.Len() == 0 {
		return "[]"
	}
	buf := []byte{'['}
	for i := range links.Len() {
		lk := links.At(i)
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"trace_id":`...)
		buf = appendJSONString(buf, lk.TraceID().String())
		buf = append(buf, `,"span_id":`...)
		buf = appendJSONString(buf, lk.SpanID().String())
		buf = append(buf, `,"trace_state":`...)
		buf = appendJSONString(buf, lk.TraceState().AsRaw())
		buf = append(buf, `,"attributes":`...)
		buf = append(buf, attrsJSON(lk.Attributes())...)
		buf = append(buf, '}')
	}
	return string(append(buf, ']'))
}
