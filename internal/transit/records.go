package transit

import (
	"encoding/binary"
	"fmt"
)

// Record is one record of an object buffer as ScanRecords presents it. A
// fixed-size record is not decoded into an Object: its intrinsic members
// are read from the record's bytes when asked for, and its reference and
// nested members were resolved once by ScanRecords. A dynamic record is
// decoded as ScanObjects decodes it. Member j is the j-th member of the
// Object that ParseObjects would give for the record.
type Record struct {
	index int
	l     *layout
	b     []byte  // a fixed-size record's bytes
	vals  []Value // a fixed-size record's nested members
	slots []int8  // a fixed-size record's references: entries of refs
	obj   *Object // a dynamic record
}

// TypeIndex is the index of the record's type in the stream's type list.
func (r *Record) TypeIndex() int { return r.index }

// TypeName is the name of the record's type.
func (r *Record) TypeName() string { return r.l.udt.Name }

// Fixed reports whether the record has a fixed size; all the fixed-size
// records of one type index have the same members.
func (r *Record) Fixed() bool { return r.obj == nil }

// NumMembers is the number of members of the record.
func (r *Record) NumMembers() int {
	if r.obj != nil {
		return len(r.obj.Members)
	}
	return len(r.l.members)
}

// MemberName is the name of member j.
func (r *Record) MemberName(j int) string {
	if r.obj != nil {
		return r.obj.Members[j].Name
	}
	return r.l.members[j].name
}

// Member is the value of member j.
func (r *Record) Member(j int) Value {
	if r.obj != nil {
		return r.obj.Members[j].Value
	}
	p := &r.l.members[j]
	switch p.kind {
	case memberRef:
		return p.refs[r.slots[j]].v
	case memberNested:
		return r.vals[j]
	}
	v, _ := readMember(p, r.b, nil) // intrinsics cannot fail
	return v
}

// Object is Member(j).Object() without copying the Value.
func (r *Record) Object(j int) (*Object, bool) {
	if r.obj == nil {
		if p := &r.l.members[j]; p.kind == memberRef {
			v := &p.refs[r.slots[j]].v
			return v.obj, v.kind == KindObject
		}
	}
	return r.Member(j).Object()
}

// Int64 is Member(j).I64() without building the Value.
func (r *Record) Int64(j int) (int64, bool) {
	if r.obj != nil {
		return r.obj.Members[j].Value.I64()
	}
	p := &r.l.members[j]
	le := binary.LittleEndian
	switch p.kind {
	case memberU8:
		return int64(r.b[p.off]), true
	case memberU32:
		return int64(le.Uint32(r.b[p.off:])), true
	case memberU64, memberI64:
		return int64(le.Uint64(r.b[p.off:])), true
	case memberF64:
		return 0, false
	}
	return r.Member(j).I64()
}

// ScanRecords is ScanObjects for readers that need a few members of
// fixed-size records: it calls fn with each record in order, decoding only
// what fn reads. It fails on exactly the records ScanObjects fails on, with
// the same errors (every reference of a fixed-size record is resolved, even
// those fn does not read), and Member gives the values ScanObjects would.
// The *Record is reused: it is valid only until fn returns; strings follow
// the rules of ScanObjects.
func ScanRecords(buf []byte, udts []UserDefinedType, deps Dependencies, fn func(r *Record) error) error {
	p := parser{name: "objects", buf: buf, ts: newTypeSet(udts), reuse: true}
	var rec Record
	var r record
	for off := 0; off < len(buf); off = r.next {
		if err := p.frameAt(&r, off); err != nil {
			return err
		}
		rec = Record{index: r.index, l: r.l}
		if r.l.udt.Size > 0 {
			rec.b = r.c.b
			if err := p.resolve(&r, deps); err != nil {
				return p.fail(&r, err)
			}
			rec.vals, rec.slots = r.l.vals, r.l.slots
		} else {
			var err error
			if rec.obj, err = p.object(&r, deps); err != nil {
				return p.fail(&r, err)
			}
		}
		if err := fn(&rec); err != nil {
			return err
		}
	}
	return nil
}

// fixedLayout compiles the type of a fixed-size record.
func (p *parser) fixedLayout(r *record) (*layout, error) {
	l, err := p.ts.compile(r.index)
	if err != nil {
		return nil, err
	}
	if l.udt.IsReference {
		return nil, fmt.Errorf("reference type %q cannot be a record", l.udt.Name)
	}
	return l, nil
}

// resolve reads the reference and nested members of a fixed-size record
// into its layout's slots and vals, in member order, as readPOD does; the
// first error is readPOD's.
func (p *parser) resolve(r *record, deps Dependencies) error {
	l := r.l
	if !l.recordOK {
		var err error
		if l, err = p.fixedLayout(r); err != nil {
			return err
		}
		l.recordOK = true
	}
	var err error
	if l.slots == nil {
		l.vals = make([]Value, len(l.members))
		l.slots = make([]int8, len(l.members))
	}
	for j := range l.members {
		m := &l.members[j]
		if m.kind != memberRef && m.kind != memberNested {
			continue
		}
		if m.kind == memberRef {
			l.slots[j], err = m.resolveRef(binary.LittleEndian.Uint64(r.c.b[m.off:]), deps)
		} else {
			l.vals[j], err = readMember(m, r.c.b, deps)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// resolveRef is readMember for a reference member: it returns the entry
// of m.refs holding the dependency id names, resolving it on a miss.
func (m *memberPlan) resolveRef(id uint64, deps Dependencies) (int8, error) {
	for k := range m.refs {
		if c := &m.refs[k]; c.ok && c.id == id {
			return int8(k), nil
		}
	}
	v, ok := deps[id]
	if !ok {
		return 0, inMember(m.name, errNoDependency(id))
	}
	k := m.next
	m.refs[k] = cachedRef{ok: true, id: id, v: v}
	m.next = (m.next + 1) % refCacheSize
	return int8(k), nil
}
