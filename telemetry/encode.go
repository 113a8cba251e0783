package telemetry

import (
	"encoding/binary"
	"fmt"

	"github.com/google/uuid"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// encoder turns blocks into insert_block bodies on the dispatcher
// goroutine: it extracts the static metadata the events reference (each
// once per block, strings before the records that point to them),
// compresses the dependency and object buffers as separate LZ4 frames
// (lz4frame.go) and wraps them in the CBOR message. It keeps its buffers
// between blocks.
type encoder struct {
	processID  string
	startTicks int64

	items []any    // registry snapshot
	seen  []uint32 // seen[id] == gen: already in this block's dependencies
	gen   uint32
	deps  []byte

	lz    lz4Compressor
	depsZ []byte
	objsZ []byte

	deferred  bool   // the block holds deferred Logf events (deferred.go)
	rewritten []byte // the events of such a block, formatted
	logLimit  int    // the longest log event, as the writer limits it
}

// newEncoder returns an encoder for the blocks of a process whose log
// buffers hold logCapacity bytes.
func newEncoder(processID string, startTicks int64, logCapacity int) *encoder {
	return &encoder{processID: processID, startTicks: startTicks, logLimit: logCapacity - maxObjectSize}
}

// encodeBlock returns the insert_block body of a block.
// With raw, the LZ4 frames store the events uncompressed.
func (e *encoder) encodeBlock(h *handOff, raw bool) ([]byte, error) {
	objs := h.events()
	if err := e.extract(h.w.stream.kind, objs); err != nil {
		return nil, err
	}
	if e.deferred {
		var err error
		if objs, err = e.rewriteDeferred(objs); err != nil {
			return nil, err
		}
	}
	e.depsZ = e.lz.appendFrame(e.depsZ[:0], e.deps, false)
	e.objsZ = e.lz.appendFrame(e.objsZ[:0], objs, raw)
	begin, end := h.from.at.time, h.to.at.time
	if end.Before(begin) { // the wall clock went back: keep the block valid
		end = begin
	}
	return transit.Encode(transit.Block{
		BlockID:      transit.UUID(uuid.NewString()),
		StreamID:     transit.UUID(h.w.stream.id),
		ProcessID:    transit.UUID(e.processID),
		BeginTime:    transit.Time{Time: begin},
		BeginTicks:   h.from.at.ticks - e.startTicks,
		EndTime:      transit.Time{Time: end},
		EndTicks:     h.to.at.ticks - e.startTicks,
		Payload:      transit.BlockPayload{Dependencies: e.depsZ, Objects: e.objsZ},
		ObjectOffset: h.offset(),
		NbObjects:    h.nbObjects(),
	})
}

// extract fills e.deps with the dependencies of the events in objs.
func (e *encoder) extract(kind streamKind, objs []byte) error {
	e.items = reg.snapshot()
	if len(e.seen) < len(e.items) {
		e.seen = append(e.seen, make([]uint32, len(e.items)-len(e.seen))...)
	}
	e.gen++
	if e.gen == 0 { // wrapped: forget every mark
		clear(e.seen)
		e.gen = 1
	}
	e.deps = e.deps[:0]
	e.deferred = false
	le := binary.LittleEndian
	last := ^uint64(0) // events in a row mostly share their metadata
	for i := 0; i < len(objs); {
		typ := objs[i]
		var next int
		var desc, props uint64
		switch kind {
		case kindLog:
			switch typ {
			case logStaticStrEvent:
				desc, next = le.Uint64(objs[i+1:]), i+logStaticSize
			case logStringEventV2:
				desc, next = le.Uint64(objs[i+5:]), i+5+int(le.Uint32(objs[i+1:]))
			case taggedLogString:
				desc, props = le.Uint64(objs[i+5:]), le.Uint64(objs[i+13:])
				next = i + 5 + int(le.Uint32(objs[i+1:]))
			case logDeferredEvent:
				desc, props = le.Uint64(objs[i+5:]), le.Uint64(objs[i+13:])
				next = i + 5 + int(le.Uint32(objs[i+1:]))
				e.deferred = true
			}
		case kindMetrics:
			switch typ {
			case integerMetricEvent, floatMetricEvent:
				desc, next = le.Uint64(objs[i+1:]), i+metricSize
			case taggedIntegerMetricEvent, taggedFloatMetricEvent:
				desc, props, next = le.Uint64(objs[i+1:]), le.Uint64(objs[i+9:]), i+taggedMetricSize
			}
		case kindCPU:
			switch typ {
			case beginThreadSpanEvent, endThreadSpanEvent:
				desc, next = le.Uint64(objs[i+1:]), i+threadSpanSize
			case beginAsyncSpanEvent, endAsyncSpanEvent:
				desc, next = le.Uint64(objs[i+1:]), i+asyncSpanSize
			case asyncSpanTraceEvent:
				desc, next = last, i+asyncTraceSize // references no metadata
			case asyncSpanStatusEvent:
				desc, next = last, i+asyncStatusSize // references no metadata
			}
		}
		if next <= i || next > len(objs) {
			return fmt.Errorf("%s block: bad event type %d at byte %d", kind.tag(), typ, i)
		}
		if desc != last {
			if err := e.dependency(desc); err != nil {
				return err
			}
			last = desc
		}
		if props != 0 {
			if err := e.dependency(props); err != nil {
				return err
			}
		}
		i = next
	}
	return nil
}

// mark reports whether id is new in this block, marking it.
func (e *encoder) mark(id uint64) bool {
	if e.seen[id] == e.gen {
		return false
	}
	e.seen[id] = e.gen
	return true
}

// dependency appends the static object id and the strings it points to,
// once per block.
func (e *encoder) dependency(id uint64) error {
	if id == 0 || id >= uint64(len(e.items)) {
		return fmt.Errorf("event references unknown metadata %d", id)
	}
	if !e.mark(id) {
		return nil
	}
	switch v := e.items[id].(type) {
	case *LogSite:
		e.record(v.id, [4]uint64{v.formatID, v.targetID, v.moduleID, v.fileID}, v.line, uint32(v.level))
	case *Metric:
		e.record(v.id, [4]uint64{v.nameID, v.unitID, v.targetID, v.fileID}, v.line, lodMax)
	case *Span:
		e.record(v.id, [4]uint64{v.nameID, v.targetID, v.moduleID, v.fileID}, v.line, lodMax)
	case *PropertySet:
		e.propertySet(v)
	default:
		return fmt.Errorf("event references metadata %d of type %T", id, v)
	}
	return nil
}

// lodMax is the verbosity the original gives spans and metrics by default.
const lodMax = 3

// record appends a metadata record (LogMetadataRecord,
// MetricMetadataDependency or SpanRecord, which share a layout) after its
// strings.
func (e *encoder) record(id uint64, strs [4]uint64, a, b uint32) {
	for _, s := range strs {
		e.str(s)
	}
	d := e.deps
	d = append(d, depMetadataRecord)
	d = binary.LittleEndian.AppendUint64(d, id)
	for _, s := range strs {
		d = binary.LittleEndian.AppendUint64(d, s)
	}
	d = binary.LittleEndian.AppendUint32(d, a)
	d = binary.LittleEndian.AppendUint32(d, b)
	e.deps = d
}

// str appends the StaticString dependency of a string id, once.
func (e *encoder) str(id uint64) {
	if !e.mark(id) {
		return
	}
	text, _ := e.items[id].(string)
	d := append(e.deps, depStaticString)
	d = binary.LittleEndian.AppendUint32(d, uint32(8+len(text)))
	d = binary.LittleEndian.AppendUint64(d, id)
	e.deps = append(d, text...)
}

// propertySet appends a PropertySetDependency after its strings.
func (e *encoder) propertySet(ps *PropertySet) {
	for _, id := range ps.strIDs {
		e.str(id)
	}
	d := append(e.deps, depPropertySet)
	d = binary.LittleEndian.AppendUint32(d, uint32(8+4+propertySize*len(ps.props)))
	d = binary.LittleEndian.AppendUint64(d, ps.id)
	d = binary.LittleEndian.AppendUint32(d, uint32(len(ps.props)))
	for i, p := range ps.props {
		d = appendStaticStringRef(d, ps.strIDs[2*i], len(p.Name))
		d = appendStaticStringRef(d, ps.strIDs[2*i+1], len(p.Value))
	}
	e.deps = d
}

// appendStaticStringRef appends the 16 bytes of a StaticStringRef: id,
// length, codec utf8 and padding.
func appendStaticStringRef(d []byte, id uint64, n int) []byte {
	d = binary.LittleEndian.AppendUint64(d, id)
	d = binary.LittleEndian.AppendUint32(d, uint32(n))
	return append(d, transit.CodecUtf8, 0, 0, 0)
}

// encodeStream returns the CBOR body of insert_stream for s.
func encodeStream(processID string, s *stream) ([]byte, error) {
	return transit.Encode(transit.StreamInfo{
		ProcessID:            transit.UUID(processID),
		StreamID:             transit.UUID(s.id),
		DependenciesMetadata: dependencyUDTs(s.kind),
		ObjectsMetadata:      objectUDTs(s.kind),
		Tags:                 []string{s.kind.tag()},
		Properties:           s.properties,
	})
}

// encodeProcess returns the CBOR body of insert_process.
func encodeProcess(p transit.ProcessInfo) ([]byte, error) {
	return transit.Encode(p)
}
