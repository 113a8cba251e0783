// Package perfetto writes Perfetto traces (the .pftrace / .perfetto-trace
// protobuf format read by ui.perfetto.dev) from Micromegas spans, as the
// original's perfetto_trace_chunks.
//
// A trace is a sequence of TracePacket fields of the Trace message. The
// Writer emits them one at a time, so a trace of any size streams with
// bounded memory. Event names, categories (span targets) and source
// locations are interned on the one packet sequence the writer uses.
// Protobuf is encoded by hand with protowire: the field numbers are those
// of Perfetto's published trace protos (see proto.go).
package perfetto

import (
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"
)

// sequenceID is the trusted_packet_sequence_id of every packet.
const sequenceID = 1

// flushBytes is the size of encoded packets buffered before a write.
const flushBytes = 64 << 10

// Event names a slice: its name, category and source location.
type Event struct {
	Name     string
	Category string // the span's target
	File     string
	Line     uint32
}

type location struct {
	file string
	line uint32
}

// Writer writes a Perfetto trace to an io.Writer. It is not safe for
// concurrent use. Call Flush at the end.
type Writer struct {
	w       io.Writer
	buf     []byte
	started bool // the first packet was written
	names   map[string]uint64
	cats    map[string]uint64
	locs    map[location]uint64
	err     error
}

// NewWriter returns a Writer of a new trace on w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, names: map[string]uint64{}, cats: map[string]uint64{}, locs: map[location]uint64{}}
}

// ProcessTrack declares the track of a process.
func (w *Writer) ProcessTrack(uuid uint64, pid int32, name string) error {
	proc := message(nil).int32(fieldProcessPID, pid).str(fieldProcessName, name)
	desc := message(nil).varint(fieldTrackUUID, uuid).bytes(fieldTrackProcess, proc)
	return w.packet(noTimestamp, nil, fieldPacketTrackDescriptor, desc)
}

// ThreadTrack declares the track of a thread of the process whose track
// is parent.
func (w *Writer) ThreadTrack(uuid, parent uint64, pid, tid int32, name string) error {
	th := message(nil).int32(fieldThreadPID, pid).int32(fieldThreadTID, tid).str(fieldThreadName, name)
	desc := message(nil).varint(fieldTrackUUID, uuid).varint(fieldTrackParentUUID, parent).bytes(fieldTrackThread, th)
	return w.packet(noTimestamp, nil, fieldPacketTrackDescriptor, desc)
}

// Track declares a named track nested under parent (0 for none).
func (w *Writer) Track(uuid, parent uint64, name string) error {
	desc := message(nil).varint(fieldTrackUUID, uuid)
	if parent != 0 {
		desc = desc.varint(fieldTrackParentUUID, parent)
	}
	desc = desc.str(fieldTrackName, name)
	return w.packet(noTimestamp, nil, fieldPacketTrackDescriptor, desc)
}

// Begin starts a slice on a track at ts (nanoseconds since the epoch).
func (w *Writer) Begin(track uint64, ts int64, e Event) error {
	var interned message
	nameIID, isNew := intern(w.names, e.Name)
	if isNew {
		interned = interned.bytes(fieldInternedNames, message(nil).varint(fieldInternIID, nameIID).str(fieldInternName, e.Name))
	}
	ev := message(nil).varint(fieldEventType, eventSliceBegin).varint(fieldEventTrackUUID, track).varint(fieldEventNameIID, nameIID)
	if e.Category != "" {
		catIID, isNew := intern(w.cats, e.Category)
		if isNew {
			interned = interned.bytes(fieldInternedCategories, message(nil).varint(fieldInternIID, catIID).str(fieldInternName, e.Category))
		}
		ev = ev.varint(fieldEventCategoryIIDs, catIID)
	}
	if e.File != "" {
		loc := location{e.File, e.Line}
		locIID, isNew := intern(w.locs, loc)
		if isNew {
			interned = interned.bytes(fieldInternedSourceLocations, message(nil).
				varint(fieldInternIID, locIID).str(fieldInternName, e.File).varint(fieldSourceLocationLineNo, uint64(e.Line)))
		}
		ev = ev.varint(fieldEventSourceLocationID, locIID)
	}
	return w.packet(ts, interned, fieldPacketTrackEvent, ev)
}

// End ends the innermost open slice of a track at ts.
func (w *Writer) End(track uint64, ts int64) error {
	ev := message(nil).varint(fieldEventType, eventSliceEnd).varint(fieldEventTrackUUID, track)
	return w.packet(ts, nil, fieldPacketTrackEvent, ev)
}

// intern returns the iid of key (iids start at 1) and whether it is new.
func intern[K comparable](m map[K]uint64, key K) (uint64, bool) {
	if iid, ok := m[key]; ok {
		return iid, false
	}
	iid := uint64(len(m) + 1)
	m[key] = iid
	return iid, true
}

// noTimestamp marks packets without a timestamp (track descriptors).
const noTimestamp = -1 << 63

// packet appends one TracePacket holding body as field num.
func (w *Writer) packet(ts int64, interned message, num protowire.Number, body message) error {
	if w.err != nil {
		return w.err
	}
	var p message
	if ts != noTimestamp {
		if ts < 0 {
			return w.fail(fmt.Errorf("perfetto: negative timestamp %d", ts))
		}
		p = p.varint(fieldPacketTimestamp, uint64(ts))
	}
	p = p.varint(fieldPacketSequenceID, sequenceID)
	if !w.started {
		w.started = true
		p = p.boolean(fieldPacketFirstOnSequence, true).
			varint(fieldPacketSequenceFlags, sequenceIncrementalCleared|sequenceNeedsIncrementalData)
	} else {
		p = p.varint(fieldPacketSequenceFlags, sequenceNeedsIncrementalData)
	}
	if len(interned) > 0 {
		p = p.bytes(fieldPacketInternedData, interned)
	}
	p = p.bytes(num, body)
	w.buf = message(w.buf).bytes(fieldTracePacket, p)
	if len(w.buf) >= flushBytes {
		return w.Flush()
	}
	return nil
}

// Flush writes the buffered packets.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.w.Write(w.buf); err != nil {
		return w.fail(fmt.Errorf("perfetto: write trace: %w", err))
	}
	w.buf = w.buf[:0]
	return nil
}

func (w *Writer) fail(err error) error {
	w.err = err
	return err
}
