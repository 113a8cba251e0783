package transit

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Dependencies maps the ids of a block's dependencies (static strings,
// metadata records, property sets) to their decoded values.
type Dependencies map[uint64]Value

// ParseError locates a decoding error in a dependency or object buffer.
type ParseError struct {
	Buffer    string // "dependencies" or "objects"
	Offset    int    // byte offset of the record (its type index) in the buffer
	TypeIndex int
	TypeName  string // empty when TypeIndex is out of range
	Member    string // dotted member path, when the error is in one member
	Err       error
}

// Error implements error.
func (e *ParseError) Error() string {
	s := fmt.Sprintf("transit %s: record at byte %d, type %d", e.Buffer, e.Offset, e.TypeIndex)
	if e.TypeName != "" {
		s += fmt.Sprintf(" %q", e.TypeName)
	}
	if e.Member != "" {
		s += fmt.Sprintf(", member %q", e.Member)
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// record is one framed record of a buffer.
type record struct {
	start int // offset of the type index
	index int
	l     *layout
	c     cursor // over the payload
	next  int    // offset of the next record
}

// parser walks the records of one buffer.
type parser struct {
	name string // "dependencies" or "objects"
	buf  []byte
	ts   *typeSet
	// reuse decodes each record into its type's scratch object, and lets
	// strings share buf (ScanObjects).
	reuse bool
}

// fail wraps err with the location of r.
func (p *parser) fail(r *record, err error) error {
	pe := &ParseError{Buffer: p.name, Offset: r.start, TypeIndex: r.index, Err: err}
	if r.l != nil {
		pe.TypeName = r.l.udt.Name
	}
	var me *memberError
	if errors.As(err, &me) {
		pe.Member, pe.Err = me.path, me.err
	}
	return pe
}

// frameAt reads into r the header of the record at off: [u8 type index]
// then, for a dynamic type, [u32 size]. The payload is checked to fit the
// buffer. The parsers reuse one record (returning it by value cost as
// much as the rest of the framing).
func (p *parser) frameAt(r *record, off int) error {
	*r = record{start: off, index: int(p.buf[off])}
	if r.index >= len(p.ts.layouts) {
		return p.fail(r, fmt.Errorf("type index %d out of range: the stream declares %d types", r.index, len(p.ts.layouts)))
	}
	r.l = &p.ts.layouts[r.index]
	pos, left := off+1, len(p.buf)-off-1
	size := r.l.udt.Size
	switch {
	case size < 0:
		return p.fail(r, fmt.Errorf("negative type size %d", size))
	case size == 0:
		if left < 4 {
			return p.fail(r, fmt.Errorf("truncated record: the size prefix needs 4 bytes, %d left", left))
		}
		n := binary.LittleEndian.Uint32(p.buf[pos:])
		pos, left = pos+4, left-4
		if uint64(n) > uint64(left) {
			return p.fail(r, fmt.Errorf("record size %d exceeds the %d bytes left in the buffer", n, left))
		}
		size = int(n)
	case size > left:
		return p.fail(r, fmt.Errorf("truncated record: the type takes %d bytes, %d left", size, left))
	}
	r.c = cursor{b: p.buf[pos : pos+size : pos+size], base: pos}
	r.next = pos + size
	return nil
}

// pod decodes a fixed-size record as an object.
func (p *parser) pod(r *record, deps Dependencies) (*Object, error) {
	l, err := p.fixedLayout(r)
	if err != nil {
		return nil, err
	}
	v, err := readPOD(l, r.c.b, deps, p.reuse)
	if err != nil {
		return nil, err
	}
	obj, _ := v.Object()
	return obj, nil
}

// ParseDependencies decodes a block's (decompressed) dependency buffer
// with the stream's dependency types. Records are read in order, so a
// reference may only name a dependency that precedes it (as the original
// reader requires); a later record with the same id replaces the earlier.
//
// StaticString, StaticStringDependency and PropertySetDependency records
// have custom readers; other fixed-size records (LogMetadataRecord,
// SpanRecord, ...) are decoded as objects, references resolved, and stored
// under their member "id". Dynamic records of unknown types are skipped:
// nothing can reference what cannot be read.
func ParseDependencies(buf []byte, udts []UserDefinedType) (Dependencies, error) {
	p := parser{name: "dependencies", buf: buf, ts: newTypeSet(udts)}
	deps := Dependencies{}
	var r record
	for off := 0; off < len(buf); off = r.next {
		if err := p.frameAt(&r, off); err != nil {
			return nil, err
		}
		if err := p.dependency(&r, deps); err != nil {
			return nil, p.fail(&r, err)
		}
	}
	return deps, nil
}

// dependency decodes one dependency record into deps.
func (p *parser) dependency(r *record, deps Dependencies) error {
	c := &r.c
	switch r.l.udt.Name {
	case "StaticString": // [u64 id][utf8 bytes to the end]
		id, err := readU64(c, fieldID)
		if err != nil {
			return err
		}
		deps[id] = StringValue(decodeUTF8(c.rest()))
	case "StaticStringDependency": // [u64 id][u8 codec][u32 len][bytes]
		id, err := readU64(c, fieldID)
		if err != nil {
			return err
		}
		s, err := c.dynString(false)
		if err != nil {
			return inMember(fieldValue, err)
		}
		deps[id] = StringValue(s)
	case "PropertySetDependency":
		id, set, err := readPropertySet(p.ts, deps, c)
		if err != nil {
			return err
		}
		deps[id] = ObjectValue(set)
	default:
		if r.l.udt.Size == 0 {
			return nil
		}
		obj, err := p.pod(r, deps)
		if err != nil {
			return err
		}
		id, err := obj.U64(fieldID)
		if err != nil {
			return err
		}
		deps[id] = ObjectValue(obj)
	}
	return nil
}

// ParseObjects decodes a block's (decompressed) object buffer with the
// stream's object types, resolving references through deps, and calls fn
// for each object in order. fn may keep the object. An error from fn stops
// the parse and is returned as is; decoding errors are *ParseError.
//
// Fixed-size records are read member by member at the offsets of the
// metadata. Dynamic records are read by the custom reader of their type
// name; an unknown dynamic type (a newer client) yields an Object with that
// TypeName and no members.
func ParseObjects(buf []byte, udts []UserDefinedType, deps Dependencies, fn func(obj *Object) error) error {
	return parseObjects(buf, udts, deps, false, fn)
}

// ScanObjects is ParseObjects without allocating per object, for readers
// that copy what they need out of each object: the *Object given to fn
// (and its Members) is reused for the next record of the same type, so it
// is valid only until fn returns, and strings read from the records (a
// log message) may share buf's memory, so they stay valid only while buf
// is neither modified nor reused. Values resolved from deps (descriptors,
// static strings, property sets) are not affected and may be kept.
func ScanObjects(buf []byte, udts []UserDefinedType, deps Dependencies, fn func(obj *Object) error) error {
	return parseObjects(buf, udts, deps, true, fn)
}

func parseObjects(buf []byte, udts []UserDefinedType, deps Dependencies, reuse bool, fn func(obj *Object) error) error {
	p := parser{name: "objects", buf: buf, ts: newTypeSet(udts), reuse: reuse}
	var r record
	for off := 0; off < len(buf); off = r.next {
		if err := p.frameAt(&r, off); err != nil {
			return err
		}
		obj, err := p.object(&r, deps)
		if err != nil {
			return p.fail(&r, err)
		}
		if err := fn(obj); err != nil {
			return err
		}
	}
	return nil
}

// object decodes one object record; when p.reuse, into the record type's
// scratch object.
func (p *parser) object(r *record, deps Dependencies) (*Object, error) {
	if r.l.udt.Size > 0 {
		return p.pod(r, deps)
	}
	var dst *Object
	if p.reuse {
		if r.l.scratch == nil {
			r.l.scratch = &Object{}
		}
		dst = r.l.scratch
	} else {
		dst = &Object{}
	}
	if err := readDynamic(p.ts, deps, r.l.udt, &r.c, dst, p.reuse); err != nil {
		return nil, err
	}
	return dst, nil
}
