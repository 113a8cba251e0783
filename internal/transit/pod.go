package transit

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// maxNesting bounds how deeply fixed-size types may contain one another.
const maxNesting = 16

// memberKind says how one member of a fixed-size type is read.
type memberKind uint8

const (
	memberU8 memberKind = iota
	memberU32
	memberU64
	memberI64
	memberF64
	memberRef    // 8-byte id resolved through the dependencies
	memberNested // another fixed-size type of the same list
)

// intrinsic returns how to read the intrinsic type names of spec 2.6.
func intrinsic(typeName string) (kind memberKind, size int, ok bool) {
	switch typeName {
	case "u8", "uint8":
		return memberU8, 1, true
	case "u32", "uint32":
		return memberU32, 4, true
	case "u64", "uint64":
		return memberU64, 8, true
	case "i64", "int64":
		return memberI64, 8, true
	case "f64":
		return memberF64, 8, true
	}
	return 0, 0, false
}

// memberPlan is one member of a compiled layout.
type memberPlan struct {
	name   string
	kind   memberKind
	off    int
	nested *layout
	// refs caches the last dependencies a reference member resolved to
	// (ScanRecords: one scan has one set of dependencies).
	refs [refCacheSize]cachedRef
	next int // the refs entry to replace next
}

// refCacheSize is the number of ids a reference member remembers; the
// events of a block mostly cycle through a few descriptors.
const refCacheSize = 8

// cachedRef is one resolved reference.
type cachedRef struct {
	ok bool
	id uint64
	v  Value
}

// layout is a UserDefinedType checked once and turned into a reading plan.
type layout struct {
	udt      *UserDefinedType
	state    uint8 // 0 new, 1 compiling, 2 done
	height   int   // nesting depth below this type, 1 for a flat type
	err      error // why the type cannot be read; reported when it is used
	members  []memberPlan
	idMember int // for reference types, the index of member "id"
	// scratch is the object records of this type are decoded into by
	// ScanObjects (top-level records only; nested objects are allocated).
	scratch *Object
	// vals and slots hold the nested and reference members of the record
	// ScanRecords is presenting (slots: entries of the member's refs).
	vals  []Value
	slots []int8
	// recordOK: fixedLayout accepted the type, once and for all.
	recordOK bool
}

// typeSet holds the compiled layouts of one stream's type list.
type typeSet struct {
	layouts []layout
	byName  map[string]int // first type of each name, as the original does
}

func newTypeSet(udts []UserDefinedType) *typeSet {
	ts := &typeSet{layouts: make([]layout, len(udts)), byName: make(map[string]int, len(udts))}
	for i := range udts {
		ts.layouts[i].udt = &udts[i]
		if _, dup := ts.byName[udts[i].Name]; !dup {
			ts.byName[udts[i].Name] = i
		}
	}
	return ts
}

// named returns the compiled type called name.
func (ts *typeSet) named(name string) (*layout, error) {
	i, ok := ts.byName[name]
	if !ok {
		return nil, fmt.Errorf("the stream metadata declares no type %q", name)
	}
	return ts.compile(i)
}

// compile checks type i and builds its plan once. Errors are kept in the
// layout so that a bad type fails only the records that use it.
func (ts *typeSet) compile(i int) (*layout, error) {
	l := &ts.layouts[i]
	switch l.state {
	case 2:
		return l, l.err
	case 1:
		return l, fmt.Errorf("type %q contains itself", l.udt.Name)
	}
	l.state = 1
	l.err = ts.build(l)
	l.state = 2
	return l, l.err
}

// span is the byte range a member occupies, for the overlap check.
type span struct {
	name     string
	off, end int
}

func (ts *typeSet) build(l *layout) error {
	u := l.udt
	l.height = 1
	l.idMember = -1
	if u.Size < 0 {
		return fmt.Errorf("type %q has a negative size %d", u.Name, u.Size)
	}
	if u.Size == 0 {
		return nil // dynamic: read by name, its members are informational
	}
	l.members = make([]memberPlan, len(u.Members))
	spans := make([]span, len(u.Members))
	for j, m := range u.Members {
		p := &l.members[j]
		p.name, p.off = m.Name, m.Offset
		var size int
		ikind, isize, isIntrinsic := intrinsic(m.TypeName)
		switch {
		case m.IsReference:
			if m.Size < 8 {
				return fmt.Errorf("type %q: reference member %q has size %d, references take 8 bytes", u.Name, m.Name, m.Size)
			}
			p.kind, size = memberRef, m.Size
		case isIntrinsic:
			if m.Size != isize {
				return fmt.Errorf("type %q: member %q of type %s has size %d, want %d", u.Name, m.Name, m.TypeName, m.Size, isize)
			}
			p.kind, size = ikind, isize
		default:
			k, found := ts.byName[m.TypeName]
			if !found {
				return fmt.Errorf("type %q: member %q has unknown type %q (neither an intrinsic nor a type of this stream)", u.Name, m.Name, m.TypeName)
			}
			n, err := ts.compile(k)
			if err != nil {
				return fmt.Errorf("type %q: member %q: %w", u.Name, m.Name, err)
			}
			if n.udt.Size == 0 {
				return fmt.Errorf("type %q: member %q has the dynamic type %q, which cannot be nested", u.Name, m.Name, m.TypeName)
			}
			if n.height+1 > maxNesting {
				return fmt.Errorf("type %q: member %q nests types more than %d deep", u.Name, m.Name, maxNesting)
			}
			l.height = max(l.height, n.height+1)
			p.kind, p.nested, size = memberNested, n, n.udt.Size
		}
		if m.Offset < 0 || m.Offset > u.Size || size > u.Size-m.Offset {
			return fmt.Errorf("type %q: member %q at offset %d with size %d exceeds the type size %d", u.Name, m.Name, m.Offset, size, u.Size)
		}
		spans[j] = span{m.Name, m.Offset, m.Offset + size}
		if m.Name == "id" && l.idMember < 0 {
			l.idMember = j
		}
	}
	// Members of a real struct never overlap; refusing overlaps bounds the
	// values decoded from a record by its size in bytes.
	slices.SortFunc(spans, func(a, b span) int { return a.off - b.off })
	for j := 1; j < len(spans); j++ {
		if spans[j].off < spans[j-1].end {
			return fmt.Errorf("type %q: members %q and %q overlap", u.Name, spans[j-1].name, spans[j].name)
		}
	}
	if u.IsReference && l.idMember < 0 {
		return fmt.Errorf("reference type %q has no member \"id\"", u.Name)
	}
	return nil
}

// memberError locates an error inside a record; path is a dotted member
// path such as "target.id".
type memberError struct {
	path string
	err  error
}

func (e *memberError) Error() string { return fmt.Sprintf("member %q: %v", e.path, e.err) }
func (e *memberError) Unwrap() error { return e.err }

// inMember attributes err to member name, prefixing an inner path.
func inMember(name string, err error) error {
	if me, ok := err.(*memberError); ok {
		return &memberError{path: name + "." + me.path, err: me.err}
	}
	return &memberError{path: name, err: err}
}

// errNoDependency is the error of an unresolved reference.
func errNoDependency(id uint64) error {
	return fmt.Errorf("dependency %d (%#x) not found; dependencies must precede the records that use them", id, id)
}

// readPOD decodes a fixed-size instance from b, which holds exactly
// l.udt.Size bytes. A reference type yields the dependency its id names.
// With reuse, the object is l's scratch object, overwritten by the next
// call for l.
func readPOD(l *layout, b []byte, deps Dependencies, reuse bool) (Value, error) {
	if l.udt.IsReference {
		return readMember(&l.members[l.idMember], b, deps)
	}
	var obj *Object
	if reuse && l.scratch != nil {
		// The member names are already in place: only values change.
		obj = l.scratch
		for j := range l.members {
			v, err := readMember(&l.members[j], b, deps)
			if err != nil {
				return Value{}, err
			}
			obj.Members[j].Value = v
		}
		return ObjectValue(obj), nil
	}
	obj = &Object{TypeName: l.udt.Name, Members: make([]Field, len(l.members))}
	for j := range l.members {
		p := &l.members[j]
		v, err := readMember(p, b, deps)
		if err != nil {
			return Value{}, err
		}
		obj.Members[j] = Field{Name: p.name, Value: v}
	}
	if reuse {
		l.scratch = obj // complete: later records only replace the values
	}
	return ObjectValue(obj), nil
}

// readMember reads one member; bounds were checked by build.
func readMember(p *memberPlan, b []byte, deps Dependencies) (Value, error) {
	le := binary.LittleEndian
	switch p.kind {
	case memberU8:
		return U8Value(b[p.off]), nil
	case memberU32:
		return U32Value(le.Uint32(b[p.off:])), nil
	case memberU64:
		return U64Value(le.Uint64(b[p.off:])), nil
	case memberI64:
		return I64Value(int64(le.Uint64(b[p.off:]))), nil
	case memberF64:
		return F64Value(math.Float64frombits(le.Uint64(b[p.off:]))), nil
	case memberRef:
		id := le.Uint64(b[p.off:])
		v, ok := deps[id]
		if !ok {
			return Value{}, inMember(p.name, errNoDependency(id))
		}
		return v, nil
	default:
		v, err := readPOD(p.nested, b[p.off:p.off+p.nested.udt.Size], deps, false)
		if err != nil {
			return Value{}, inMember(p.name, err)
		}
		return v, nil
	}
}
