// Package perfettotest decodes Perfetto traces for tests: the subset of
// Perfetto's trace protos that package perfetto writes, decoded from the
// published field numbers (protos/perfetto/trace/trace_packet.proto,
// track_event/*.proto, interned_data/interned_data.proto) independently of
// the writer's own constants.
package perfettotest

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Track is a decoded TrackDescriptor.
type Track struct {
	UUID, Parent uint64
	Name         string // name, process_name or thread_name
	IsProcess    bool
	IsThread     bool
	PID, TID     int32
}

// Event is a decoded TrackEvent with its interned strings resolved.
type Event struct {
	TS       uint64
	Type     uint64 // 1 slice begin, 2 slice end
	Track    uint64
	Name     string
	Category string
	File     string
	Line     uint64
}

// Packet is a decoded TracePacket.
type Packet struct {
	SeqID   uint64
	Flags   uint64
	First   bool // first_packet_on_sequence
	HasTS   bool
	TS      uint64
	Track   *Track
	Event   *Event
	NewIIDs int // interned entries defined in this packet
}

// Trace is a decoded trace.
type Trace struct {
	Packets []Packet
	Tracks  map[uint64]*Track
	Events  []Event
}

// fields calls fn for each field of a message.
func fields(b []byte, fn func(num protowire.Number, typ protowire.Type, v uint64, data []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("bad tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		var v uint64
		var data []byte
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			data, n = protowire.ConsumeBytes(b)
		case protowire.Fixed64Type:
			v, n = protowire.ConsumeFixed64(b)
		case protowire.Fixed32Type:
			var v32 uint32
			v32, n = protowire.ConsumeFixed32(b)
			v = uint64(v32)
		default:
			return fmt.Errorf("unexpected wire type %d", typ)
		}
		if n < 0 {
			return fmt.Errorf("field %d: %v", num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(num, typ, v, data); err != nil {
			return err
		}
	}
	return nil
}

// Decode decodes a whole trace, resolving interned strings the way a
// reader of one sequence does: an iid must be defined before use, and
// once. Tracks must be declared once.
func Decode(b []byte) (*Trace, error) {
	t := &Trace{Tracks: map[uint64]*Track{}}
	names, cats := map[uint64]string{}, map[uint64]string{}
	type loc struct {
		file string
		line uint64
	}
	locs := map[uint64]loc{}
	err := fields(b, func(num protowire.Number, typ protowire.Type, _ uint64, data []byte) error {
		if num != 1 || typ != protowire.BytesType {
			return fmt.Errorf("Trace field %d: only packets (1) expected", num)
		}
		var p Packet
		var eventBytes []byte
		err := fields(data, func(num protowire.Number, _ protowire.Type, v uint64, data []byte) error {
			switch num {
			case 8:
				p.HasTS, p.TS = true, v
			case 10:
				p.SeqID = v
			case 13:
				p.Flags = v
			case 87:
				p.First = v != 0
			case 12: // interned_data
				return fields(data, func(num protowire.Number, _ protowire.Type, _ uint64, entry []byte) error {
					var iid, line uint64
					var name string
					if err := fields(entry, func(num protowire.Number, _ protowire.Type, v uint64, d []byte) error {
						switch num {
						case 1:
							iid = v
						case 2:
							name = string(d)
						case 4:
							line = v
						}
						return nil
					}); err != nil {
						return err
					}
					p.NewIIDs++
					var exists bool
					switch num {
					case 1:
						_, exists = cats[iid]
						cats[iid] = name
					case 2:
						_, exists = names[iid]
						names[iid] = name
					case 4:
						_, exists = locs[iid]
						locs[iid] = loc{name, line}
					default:
						return fmt.Errorf("unexpected interned_data field %d", num)
					}
					if exists {
						return fmt.Errorf("iid %d of interned field %d defined twice", iid, num)
					}
					return nil
				})
			case 60:
				tr := &Track{}
				err := fields(data, func(num protowire.Number, _ protowire.Type, v uint64, d []byte) error {
					switch num {
					case 1:
						tr.UUID = v
					case 2:
						tr.Name = string(d)
					case 5:
						tr.Parent = v
					case 3:
						tr.IsProcess = true
						return fields(d, func(num protowire.Number, _ protowire.Type, v uint64, d []byte) error {
							switch num {
							case 1:
								tr.PID = int32(v)
							case 6:
								tr.Name = string(d)
							}
							return nil
						})
					case 4:
						tr.IsThread = true
						return fields(d, func(num protowire.Number, _ protowire.Type, v uint64, d []byte) error {
							switch num {
							case 1:
								tr.PID = int32(v)
							case 2:
								tr.TID = int32(v)
							case 5:
								tr.Name = string(d)
							}
							return nil
						})
					}
					return nil
				})
				p.Track = tr
				return err
			case 11:
				eventBytes = data
			}
			return nil
		})
		if err != nil {
			return err
		}
		if eventBytes != nil {
			ev := &Event{TS: p.TS}
			err := fields(eventBytes, func(num protowire.Number, _ protowire.Type, v uint64, _ []byte) error {
				var ok bool
				switch num {
				case 9:
					ev.Type = v
				case 11:
					ev.Track = v
				case 10:
					if ev.Name, ok = names[v]; !ok {
						return fmt.Errorf("name iid %d used before it is defined", v)
					}
				case 3:
					if ev.Category, ok = cats[v]; !ok {
						return fmt.Errorf("category iid %d used before it is defined", v)
					}
				case 34:
					l, ok := locs[v]
					if !ok {
						return fmt.Errorf("source location iid %d used before it is defined", v)
					}
					ev.File, ev.Line = l.file, l.line
				}
				return nil
			})
			if err != nil {
				return err
			}
			p.Event = ev
			t.Events = append(t.Events, *ev)
		}
		if p.Track != nil {
			if _, dup := t.Tracks[p.Track.UUID]; dup {
				return fmt.Errorf("track %d declared twice", p.Track.UUID)
			}
			t.Tracks[p.Track.UUID] = p.Track
		}
		t.Packets = append(t.Packets, p)
		return nil
	})
	return t, err
}

// Slice is a slice rebuilt from a begin/end pair.
// Slice is a slice rebuilt from a begin/end pair of events.
type Slice struct {
	Track      uint64
	Begin, End uint64
	Depth      int
	Name, Cat  string
	File       string
	Line       uint64
}

// Slices pairs the begin and end events of each track, checking that
// every track's events are in time order and properly nested.
func (t *Trace) Slices() ([]Slice, error) {
	stacks := map[uint64][]Slice{}
	last := map[uint64]uint64{}
	var out []Slice
	for _, e := range t.Events {
		if _, ok := t.Tracks[e.Track]; !ok {
			return nil, fmt.Errorf("event on undeclared track %d", e.Track)
		}
		if e.TS < last[e.Track] {
			return nil, fmt.Errorf("track %d: event at %d after one at %d", e.Track, e.TS, last[e.Track])
		}
		last[e.Track] = e.TS
		st := stacks[e.Track]
		switch e.Type {
		case 1:
			stacks[e.Track] = append(st, Slice{Track: e.Track, Begin: e.TS, Depth: len(st),
				Name: e.Name, Cat: e.Category, File: e.File, Line: e.Line})
		case 2:
			if len(st) == 0 {
				return nil, fmt.Errorf("track %d: end at %d without a begin", e.Track, e.TS)
			}
			s := st[len(st)-1]
			s.End = e.TS
			stacks[e.Track] = st[:len(st)-1]
			out = append(out, s)
		default:
			return nil, fmt.Errorf("unexpected event type %d", e.Type)
		}
	}
	for tr, st := range stacks {
		if len(st) > 0 {
			return nil, fmt.Errorf("track %d: %d slices never end", tr, len(st))
		}
	}
	return out, nil
}
