package lakehousetest

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	"github.com/micromegas-go/micromegas/internal/transit"
)

// LogSite is a log call site (LogMetadataRecord).
type LogSite struct {
	Fmt, Target, Module, File string
	Line, Level               uint32
}

// MetricSite is a metric (MetricMetadataDependency).
type MetricSite struct {
	Name, Unit, Target, File string
	Line                     uint32
}

// SpanSite is a span (SpanRecord), or a span location
// (SpanLocationRecord) for named spans, whose Name is then ignored.
type SpanSite struct {
	Name, Target, Module, File string
	Line                       uint32
}

// Block accumulates the events of one block and the dependencies they
// reference, in the transit format.
type Block struct {
	deps, objs []byte
	ids        map[any]uint64
	nextID     uint64
	n          int
}

// NewBlock returns an empty block.
func NewBlock() *Block { return &Block{ids: map[any]uint64{}, nextID: 0x1000} }

// Len returns the number of events.
func (b *Block) Len() int { return b.n }

func (b *Block) id(key any) (uint64, bool) {
	if id, ok := b.ids[key]; ok {
		return id, true
	}
	b.nextID += 8
	b.ids[key] = b.nextID
	return b.nextID, false
}

// str writes a StaticString dependency once and returns its id.
func (b *Block) str(s string) uint64 {
	id, seen := b.id("str:" + s)
	if !seen {
		b.deps = append(b.deps, depStaticString)
		b.deps = transit.AppendU32(b.deps, uint32(8+len(s)))
		b.deps = transit.AppendU64(b.deps, id)
		b.deps = append(b.deps, s...)
	}
	return id
}

// stringRef appends a 16-byte StaticStringRef/StringId to dst.
func (b *Block) stringRef(dst []byte, s string) []byte {
	dst = transit.AppendU64(dst, b.str(s))
	dst = transit.AppendU32(dst, uint32(len(s)))
	return append(dst, 2, 0, 0, 0)
}

func (b *Block) logSite(s *LogSite) uint64 {
	fmtID, target, module, file := b.str(s.Fmt), b.str(s.Target), b.str(s.Module), b.str(s.File)
	id, seen := b.id(s)
	if !seen {
		b.deps = append(b.deps, depLogMetadata)
		for _, v := range []uint64{id, fmtID, target, module, file} {
			b.deps = transit.AppendU64(b.deps, v)
		}
		b.deps = transit.AppendU32(b.deps, s.Line)
		b.deps = transit.AppendU32(b.deps, s.Level)
	}
	return id
}

func (b *Block) metricSite(s *MetricSite) uint64 {
	name, unit, target, file := b.str(s.Name), b.str(s.Unit), b.str(s.Target), b.str(s.File)
	id, seen := b.id(s)
	if !seen {
		b.deps = append(b.deps, depMetricMetadata)
		for _, v := range []uint64{id, name, unit, target, file} {
			b.deps = transit.AppendU64(b.deps, v)
		}
		b.deps = transit.AppendU32(b.deps, s.Line)
		b.deps = transit.AppendU32(b.deps, 0)
	}
	return id
}

func (b *Block) spanSite(s *SpanSite) uint64 {
	name, target, module, file := b.str(s.Name), b.str(s.Target), b.str(s.Module), b.str(s.File)
	id, seen := b.id(s)
	if !seen {
		b.deps = append(b.deps, depSpanRecord)
		for _, v := range []uint64{id, name, target, module, file} {
			b.deps = transit.AppendU64(b.deps, v)
		}
		b.deps = transit.AppendU32(b.deps, s.Line)
		b.deps = transit.AppendU32(b.deps, 0)
	}
	return id
}

func (b *Block) spanLocation(s *SpanSite) uint64 {
	target, module, file := b.str(s.Target), b.str(s.Module), b.str(s.File)
	id, seen := b.id(struct{ loc *SpanSite }{s})
	if !seen {
		b.deps = append(b.deps, depSpanLocation)
		for _, v := range []uint64{id, target, module, file} {
			b.deps = transit.AppendU64(b.deps, v)
		}
		b.deps = transit.AppendU32(b.deps, s.Line)
		b.deps = transit.AppendU32(b.deps, 0)
	}
	return id
}

// propertySet writes a PropertySetDependency (keys sorted) and returns its id.
func (b *Block) propertySet(props map[string]string) uint64 {
	keys := slices.Sorted(maps.Keys(props))
	key := "props:"
	for _, k := range keys {
		key += fmt.Sprintf("%q=%q;", k, props[k])
	}
	for _, k := range keys {
		b.str(k)
		b.str(props[k])
	}
	id, seen := b.id(key)
	if !seen {
		body := transit.AppendU64(nil, id)
		body = transit.AppendU32(body, uint32(len(keys)))
		for _, k := range keys {
			body = b.stringRef(body, k)
			body = b.stringRef(body, props[k])
		}
		b.deps = append(b.deps, depPropertySet)
		b.deps = transit.AppendU32(b.deps, uint32(len(body)))
		b.deps = append(b.deps, body...)
	}
	return id
}

func (b *Block) dynamic(typ uint8, body []byte) {
	b.objs = append(b.objs, typ)
	b.objs = transit.AppendU32(b.objs, uint32(len(body)))
	b.objs = append(b.objs, body...)
	b.n++
}

// LogStatic appends a LogStaticStrEvent (the message is the site's Fmt).
func (b *Block) LogStatic(site *LogSite, ticks int64) {
	desc := b.logSite(site)
	b.objs = append(b.objs, logStaticStr)
	b.objs = transit.AppendU64(b.objs, desc)
	b.objs = transit.AppendI64(b.objs, ticks)
	b.n++
}

// LogString appends a LogStringEventV2.
func (b *Block) LogString(site *LogSite, ticks int64, msg string) {
	body := transit.AppendU64(nil, b.logSite(site))
	body = transit.AppendI64(body, ticks)
	b.dynamic(logString, transit.AppendDynString(body, msg))
}

// LogTagged appends a TaggedLogString.
func (b *Block) LogTagged(site *LogSite, props map[string]string, ticks int64, msg string) {
	desc, set := b.logSite(site), b.propertySet(props)
	body := transit.AppendU64(nil, desc)
	body = transit.AppendU64(body, set)
	body = transit.AppendI64(body, ticks)
	b.dynamic(logTagged, transit.AppendDynString(body, msg))
}

// IntMetric appends an IntegerMetricEvent.
func (b *Block) IntMetric(site *MetricSite, ticks int64, v uint64) {
	desc := b.metricSite(site)
	b.objs = append(b.objs, metricInteger)
	b.objs = transit.AppendU64(b.objs, desc)
	b.objs = transit.AppendU64(b.objs, v)
	b.objs = transit.AppendI64(b.objs, ticks)
	b.n++
}

// FloatMetric appends a FloatMetricEvent.
func (b *Block) FloatMetric(site *MetricSite, ticks int64, v float64) {
	desc := b.metricSite(site)
	b.objs = append(b.objs, metricFloat)
	b.objs = transit.AppendU64(b.objs, desc)
	b.objs = transit.AppendF64(b.objs, v)
	b.objs = transit.AppendI64(b.objs, ticks)
	b.n++
}

// TaggedFloatMetric appends a TaggedFloatMetricEvent.
func (b *Block) TaggedFloatMetric(site *MetricSite, props map[string]string, ticks int64, v float64) {
	desc, set := b.metricSite(site), b.propertySet(props)
	b.objs = append(b.objs, metricTaggedFloat)
	b.objs = transit.AppendU64(b.objs, desc)
	b.objs = transit.AppendU64(b.objs, set)
	b.objs = transit.AppendF64(b.objs, v)
	b.objs = transit.AppendI64(b.objs, ticks)
	b.n++
}

// BeginSpan appends a BeginThreadSpanEvent.
func (b *Block) BeginSpan(site *SpanSite, ticks int64) { b.threadSpan(beginThreadSpan, site, ticks) }

// EndSpan appends an EndThreadSpanEvent.
func (b *Block) EndSpan(site *SpanSite, ticks int64) { b.threadSpan(endThreadSpan, site, ticks) }

func (b *Block) threadSpan(typ uint8, site *SpanSite, ticks int64) {
	desc := b.spanSite(site)
	b.objs = append(b.objs, typ)
	b.objs = transit.AppendU64(b.objs, desc)
	b.objs = transit.AppendI64(b.objs, ticks)
	b.n++
}

// BeginNamedSpan appends a BeginThreadNamedSpanEvent at loc with name.
func (b *Block) BeginNamedSpan(loc *SpanSite, name string, ticks int64) {
	b.namedSpan(beginThreadNamedSpan, loc, name, ticks)
}

// EndNamedSpan appends an EndThreadNamedSpanEvent.
func (b *Block) EndNamedSpan(loc *SpanSite, name string, ticks int64) {
	b.namedSpan(endThreadNamedSpan, loc, name, ticks)
}

func (b *Block) namedSpan(typ uint8, loc *SpanSite, name string, ticks int64) {
	id := b.spanLocation(loc)
	ev := transit.AppendU64(nil, id)
	ev = b.stringRef(ev, name)
	ev = transit.AppendI64(ev, ticks)
	b.objs = append(b.objs, typ)
	b.objs = append(b.objs, ev...)
	b.n++
}

// BeginAsync appends a BeginAsyncSpanEvent.
func (b *Block) BeginAsync(site *SpanSite, spanID, parent uint64, depth uint32, ticks int64) {
	b.asyncSpan(beginAsyncSpan, site, spanID, parent, depth, ticks)
}

// EndAsync appends an EndAsyncSpanEvent.
func (b *Block) EndAsync(site *SpanSite, spanID, parent uint64, depth uint32, ticks int64) {
	b.asyncSpan(endAsyncSpan, site, spanID, parent, depth, ticks)
}

func (b *Block) asyncSpan(typ uint8, site *SpanSite, spanID, parent uint64, depth uint32, ticks int64) {
	desc := b.spanSite(site)
	b.objs = append(b.objs, typ)
	b.objs = transit.AppendU64(b.objs, desc)
	b.objs = transit.AppendU64(b.objs, spanID)
	b.objs = transit.AppendU64(b.objs, parent)
	b.objs = transit.AppendU32(b.objs, depth)
	b.objs = append(b.objs, 0, 0, 0, 0)
	b.objs = transit.AppendI64(b.objs, ticks)
	b.n++
}

// AsyncTrace appends an AsyncSpanTraceEvent: the OpenTelemetry trace id
// (16 bytes), span id and parent span id (8 bytes each, zero: none) of
// async span spanID.
func (b *Block) AsyncTrace(spanID uint64, traceID [16]byte, otelSpan, otelParent [8]byte) {
	b.objs = append(b.objs, asyncSpanTrace)
	b.objs = transit.AppendU64(b.objs, binary.BigEndian.Uint64(otelParent[:]))
	b.objs = transit.AppendU64(b.objs, binary.BigEndian.Uint64(otelSpan[:]))
	b.objs = transit.AppendU64(b.objs, binary.BigEndian.Uint64(traceID[:8]))
	b.objs = transit.AppendU64(b.objs, binary.BigEndian.Uint64(traceID[8:]))
	b.objs = transit.AppendU64(b.objs, spanID)
	b.n++
}

// AsyncStatus appends an AsyncSpanStatusEvent: the status of async span
// spanID and the sizes of its request and response (-1: unknown).
func (b *Block) AsyncStatus(spanID uint64, status, requestBytes, responseBytes int64) {
	b.objs = append(b.objs, asyncSpanStatus)
	b.objs = transit.AppendU64(b.objs, uint64(responseBytes))
	b.objs = transit.AppendU64(b.objs, uint64(requestBytes))
	b.objs = transit.AppendU64(b.objs, uint64(status))
	b.objs = transit.AppendU64(b.objs, spanID)
	b.n++
}

// Payload returns the stored form of the block: the CBOR BlockPayload of
// the LZ4-compressed dependencies and objects.
func (b *Block) Payload() ([]byte, error) {
	p, err := b.TransitPayload()
	if err != nil {
		return nil, err
	}
	return transit.EncodePayload(p)
}

// TransitPayload returns the payload as the insert_block body carries it:
// the LZ4-compressed dependencies and objects.
func (b *Block) TransitPayload() (transit.BlockPayload, error) {
	deps, err := transit.Compress(nil, b.deps)
	if err != nil {
		return transit.BlockPayload{}, err
	}
	objs, err := transit.Compress(nil, b.objs)
	if err != nil {
		return transit.BlockPayload{}, err
	}
	return transit.BlockPayload{Dependencies: deps, Objects: objs}, nil
}
