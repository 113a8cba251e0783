package transit

import "fmt"

// PropertySetTypeName is the TypeName of the object a PropertySetDependency
// resolves to: one string member per property, named after it.
const PropertySetTypeName = "property_set"

// Object is a decoded record or dependency: the name of its type and its
// members in metadata (or reader) order. Objects are shared between the
// values that reference them and must not be modified.
type Object struct {
	TypeName string
	Members  []Field
}

// Field is one member of an Object.
type Field struct {
	Name  string
	Value Value
}

// Property is one name/value pair of a property set.
type Property struct {
	Name  string
	Value string
}

// MemberError reports a member that is absent or of an unexpected kind.
type MemberError struct {
	TypeName string
	Member   string
	Want     Kind
	Got      Kind // KindNone when the member is absent
	Missing  bool
}

// Error implements error.
func (e *MemberError) Error() string {
	if e.Missing {
		return fmt.Sprintf("transit: %s has no member %q (want %s)", e.TypeName, e.Member, e.Want)
	}
	return fmt.Sprintf("transit: member %q of %s is %s, want %s", e.Member, e.TypeName, e.Got, e.Want)
}

// Get returns the member called name. A nil Object has no members.
func (o *Object) Get(name string) (Value, bool) {
	if o == nil {
		return Value{}, false
	}
	for i := range o.Members {
		if o.Members[i].Name == name {
			return o.Members[i].Value, true
		}
	}
	return Value{}, false
}

// member fetches name for the typed getters; want only shapes the error.
func (o *Object) member(name string, want Kind) (Value, error) {
	v, found := o.Get(name)
	if !found {
		return v, &MemberError{TypeName: o.typeName(), Member: name, Want: want, Missing: true}
	}
	return v, nil
}

func (o *Object) typeName() string {
	if o == nil {
		return "<nil object>"
	}
	return o.TypeName
}

func (o *Object) wrongKind(name string, want Kind, v Value) error {
	return &MemberError{TypeName: o.typeName(), Member: name, Want: want, Got: v.Kind()}
}

// U8 returns the u8 member called name.
func (o *Object) U8(name string) (uint8, error) {
	v, err := o.member(name, KindU8)
	if err != nil {
		return 0, err
	}
	x, ok := v.U8()
	if !ok {
		return 0, o.wrongKind(name, KindU8, v)
	}
	return x, nil
}

// U32 returns the u32 (or u8) member called name.
func (o *Object) U32(name string) (uint32, error) {
	v, err := o.member(name, KindU32)
	if err != nil {
		return 0, err
	}
	x, ok := v.U32()
	if !ok {
		return 0, o.wrongKind(name, KindU32, v)
	}
	return x, nil
}

// U64 returns the integer member called name as a u64 (see Value.U64).
func (o *Object) U64(name string) (uint64, error) {
	v, err := o.member(name, KindU64)
	if err != nil {
		return 0, err
	}
	x, ok := v.U64()
	if !ok {
		return 0, o.wrongKind(name, KindU64, v)
	}
	return x, nil
}

// I64 returns the integer member called name as an i64 (see Value.I64).
func (o *Object) I64(name string) (int64, error) {
	v, err := o.member(name, KindI64)
	if err != nil {
		return 0, err
	}
	x, ok := v.I64()
	if !ok {
		return 0, o.wrongKind(name, KindI64, v)
	}
	return x, nil
}

// F64 returns the f64 member called name.
func (o *Object) F64(name string) (float64, error) {
	v, err := o.member(name, KindF64)
	if err != nil {
		return 0, err
	}
	x, ok := v.F64()
	if !ok {
		return 0, o.wrongKind(name, KindF64, v)
	}
	return x, nil
}

// Str returns the string member called name.
func (o *Object) Str(name string) (string, error) {
	v, err := o.member(name, KindString)
	if err != nil {
		return "", err
	}
	x, ok := v.Str()
	if !ok {
		return "", o.wrongKind(name, KindString, v)
	}
	return x, nil
}

// Obj returns the object member called name (typically a resolved
// reference such as desc or properties).
func (o *Object) Obj(name string) (*Object, error) {
	v, err := o.member(name, KindObject)
	if err != nil {
		return nil, err
	}
	x, ok := v.Object()
	if !ok {
		return nil, o.wrongKind(name, KindObject, v)
	}
	return x, nil
}

// Properties lists the members of a property set (PropertySetTypeName) in
// wire order. Every member must be a string.
func (o *Object) Properties() ([]Property, error) {
	if o == nil {
		return nil, nil
	}
	props := make([]Property, 0, len(o.Members))
	for _, f := range o.Members {
		s, ok := f.Value.Str()
		if !ok {
			return nil, o.wrongKind(f.Name, KindString, f.Value)
		}
		props = append(props, Property{Name: f.Name, Value: s})
	}
	return props, nil
}

// PropertyMap returns the members of a property set as a map; when a name
// repeats, the last value wins.
func (o *Object) PropertyMap() (map[string]string, error) {
	if o == nil {
		return map[string]string{}, nil
	}
	m := make(map[string]string, len(o.Members))
	for _, f := range o.Members {
		s, ok := f.Value.Str()
		if !ok {
			return nil, o.wrongKind(f.Name, KindString, f.Value)
		}
		m[f.Name] = s
	}
	return m, nil
}
