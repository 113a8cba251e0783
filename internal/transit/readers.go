package transit

import "fmt"

// Member names produced by the custom readers (those of the original).
const (
	fieldTime       = "time"
	fieldMsg        = "msg"
	fieldDesc       = "desc"
	fieldLevel      = "level"
	fieldTarget     = "target"
	fieldProperties = "properties"
	fieldID         = "id"
	fieldValue      = "value"
	fieldTrigger    = "trigger"
	fieldData       = "data"
)

// GoExecutionTraceTypeName is the object type of the blocks of a
// "go_trace" stream: one snapshot of the Go flight recorder per record.
const GoExecutionTraceTypeName = "GoExecutionTrace"

// readDynamic decodes the payload of a dynamic (Size == 0) object record
// with the custom reader of its type name into dst, whose members it
// replaces. An unknown type (a newer client) yields an Object with that
// TypeName and no members.
func readDynamic(ts *typeSet, deps Dependencies, udt *UserDefinedType, c *cursor, dst *Object, alias bool) error {
	dst.TypeName = udt.Name
	dst.Members = dst.Members[:0]
	switch udt.Name {
	case "LogStringEvent":
		return readLogStringEvent(deps, c, dst, alias)
	case "LogStringEventV2":
		return readLogStringEventV2(deps, c, dst, alias)
	case "LogStringInteropEventV2":
		return readLogStringInteropEventV2(ts, deps, c, dst, alias)
	case "LogStringInteropEventV3":
		return readLogStringInteropEventV3(ts, deps, c, dst, alias)
	case "TaggedLogString":
		return readTaggedLogString(deps, c, dst, alias)
	case "TaggedLogInteropEvent":
		return readTaggedLogInteropEvent(ts, deps, c, dst, alias)
	case "PropertySetDependency":
		return readPropertySetObject(ts, deps, c, dst)
	case GoExecutionTraceTypeName:
		return readGoExecutionTrace(c, dst, alias)
	}
	return nil
}

// set replaces the members of o (reusing their storage).
func (o *Object) set(fields ...Field) {
	o.Members = append(o.Members[:0], fields...)
}

// resolve looks up the dependency id for member.
func resolve(deps Dependencies, member string, id uint64) (Value, error) {
	v, ok := deps[id]
	if !ok {
		return Value{}, inMember(member, errNoDependency(id))
	}
	return v, nil
}

// readU64 reads a u64 member.
func readU64(c *cursor, member string) (uint64, error) {
	v, err := c.u64()
	if err != nil {
		return 0, inMember(member, err)
	}
	return v, nil
}

// readRef reads an 8-byte id and resolves it.
func readRef(c *cursor, deps Dependencies, member string) (Value, error) {
	id, err := readU64(c, member)
	if err != nil {
		return Value{}, err
	}
	return resolve(deps, member, id)
}

// readTime reads the i64 tick count of an event.
func readTime(c *cursor) (int64, error) {
	v, err := c.i64()
	if err != nil {
		return 0, inMember(fieldTime, err)
	}
	return v, nil
}

// readMsg reads a DynString member; with alias, the text may share the
// buffer's memory (see ScanObjects).
func readMsg(c *cursor, alias bool) (Value, error) {
	s, err := c.dynString(alias)
	if err != nil {
		return Value{}, inMember(fieldMsg, err)
	}
	return StringValue(s), nil
}

// readNamedPOD reads an embedded instance of the fixed-size type typeName
// (StringId, StaticStringRef), whose size comes from the stream metadata.
func readNamedPOD(ts *typeSet, deps Dependencies, c *cursor, typeName, member string) (Value, error) {
	l, err := ts.named(typeName)
	if err != nil {
		return Value{}, inMember(member, err)
	}
	if l.udt.Size == 0 {
		return Value{}, inMember(member, fmt.Errorf("type %q must have a fixed size", typeName))
	}
	b, err := c.take(l.udt.Size)
	if err != nil {
		return Value{}, inMember(member, err)
	}
	v, err := readPOD(l, b, deps, false)
	if err != nil {
		return Value{}, inMember(member, err)
	}
	return v, nil
}

// readLogStringEvent: legacy [u64 desc][i64 time][raw UTF-8 to the end].
func readLogStringEvent(deps Dependencies, c *cursor, dst *Object, alias bool) error {
	descID, err := readU64(c, fieldDesc)
	if err != nil {
		return err
	}
	t, err := readTime(c)
	if err != nil {
		return err
	}
	msg := decodeUTF8Alias(c.rest(), alias)
	desc, err := resolve(deps, fieldDesc, descID)
	if err != nil {
		return err
	}
	dst.set(Field{fieldTime, I64Value(t)}, Field{fieldMsg, StringValue(msg)}, Field{fieldDesc, desc})
	return nil
}

// readLogStringEventV2: [u64 desc][i64 time][DynString msg].
func readLogStringEventV2(deps Dependencies, c *cursor, dst *Object, alias bool) error {
	desc, err := readRef(c, deps, fieldDesc)
	if err != nil {
		return err
	}
	t, err := readTime(c)
	if err != nil {
		return err
	}
	msg, err := readMsg(c, alias)
	if err != nil {
		return err
	}
	dst.set(Field{fieldTime, I64Value(t)}, Field{fieldMsg, msg}, Field{fieldDesc, desc})
	return nil
}

// readLogStringInteropEventV2: [i64 time][u32 level][StringId target][raw
// UTF-8 to the end].
func readLogStringInteropEventV2(ts *typeSet, deps Dependencies, c *cursor, dst *Object, alias bool) error {
	t, err := readTime(c)
	if err != nil {
		return err
	}
	level, err := c.u32()
	if err != nil {
		return inMember(fieldLevel, err)
	}
	target, err := readNamedPOD(ts, deps, c, "StringId", fieldTarget)
	if err != nil {
		return err
	}
	msg := decodeUTF8Alias(c.rest(), alias)
	dst.set(Field{fieldTime, I64Value(t)}, Field{fieldLevel, U32Value(level)}, Field{fieldTarget, target}, Field{fieldMsg, StringValue(msg)})
	return nil
}

// readInteropHeader reads [i64 time][u8 level][StaticStringRef target].
func readInteropHeader(ts *typeSet, deps Dependencies, c *cursor) (t int64, level uint8, target Value, err error) {
	if t, err = readTime(c); err != nil {
		return
	}
	if level, err = c.u8(); err != nil {
		err = inMember(fieldLevel, err)
		return
	}
	target, err = readNamedPOD(ts, deps, c, "StaticStringRef", fieldTarget)
	return
}

// readLogStringInteropEventV3: [i64 time][u8 level][StaticStringRef
// target][DynString msg].
func readLogStringInteropEventV3(ts *typeSet, deps Dependencies, c *cursor, dst *Object, alias bool) error {
	t, level, target, err := readInteropHeader(ts, deps, c)
	if err != nil {
		return err
	}
	msg, err := readMsg(c, alias)
	if err != nil {
		return err
	}
	dst.set(Field{fieldTime, I64Value(t)}, Field{fieldLevel, U8Value(level)}, Field{fieldTarget, target}, Field{fieldMsg, msg})
	return nil
}

// readTaggedLogInteropEvent: [i64 time][u8 level][StaticStringRef
// target][u64 properties][DynString msg].
func readTaggedLogInteropEvent(ts *typeSet, deps Dependencies, c *cursor, dst *Object, alias bool) error {
	t, level, target, err := readInteropHeader(ts, deps, c)
	if err != nil {
		return err
	}
	props, err := readRef(c, deps, fieldProperties)
	if err != nil {
		return err
	}
	msg, err := readMsg(c, alias)
	if err != nil {
		return err
	}
	dst.set(Field{fieldTime, I64Value(t)}, Field{fieldLevel, U8Value(level)}, Field{fieldTarget, target},
		Field{fieldProperties, props}, Field{fieldMsg, msg})
	return nil
}

// readTaggedLogString: [u64 desc][u64 properties][i64 time][DynString msg].
func readTaggedLogString(deps Dependencies, c *cursor, dst *Object, alias bool) error {
	desc, err := readRef(c, deps, fieldDesc)
	if err != nil {
		return err
	}
	props, err := readRef(c, deps, fieldProperties)
	if err != nil {
		return err
	}
	t, err := readTime(c)
	if err != nil {
		return err
	}
	msg, err := readMsg(c, alias)
	if err != nil {
		return err
	}
	dst.set(Field{fieldTime, I64Value(t)}, Field{fieldDesc, desc}, Field{fieldProperties, props}, Field{fieldMsg, msg})
	return nil
}

// readPropertySet reads [u64 set id][u32 n][n × Property], Property being
// the fixed-size type of that name in the stream metadata (two
// StaticStringRef members, name and value). The set is an object of type
// PropertySetTypeName with one string member per property.
func readPropertySet(ts *typeSet, deps Dependencies, c *cursor) (uint64, *Object, error) {
	id, err := readU64(c, fieldID)
	if err != nil {
		return 0, nil, err
	}
	n, err := c.u32()
	if err != nil {
		return 0, nil, inMember("count", err)
	}
	l, err := ts.named("Property")
	if err != nil {
		return 0, nil, inMember(fieldProperties, err)
	}
	size := l.udt.Size
	if size == 0 {
		return 0, nil, inMember(fieldProperties, fmt.Errorf("type \"Property\" must have a fixed size"))
	}
	if left := len(c.b) - c.pos; n > 0 && (size > left || int(n) > left/size) {
		return 0, nil, inMember(fieldProperties,
			fmt.Errorf("%d properties of %d bytes at byte %d exceed the %d bytes left in the record", n, size, c.offset(), left))
	}
	fields := make([]Field, n)
	for i := range fields {
		b, _ := c.take(size)
		f, err := readProperty(l, b, deps)
		if err != nil {
			return 0, nil, inMember(fmt.Sprintf("properties[%d]", i), err)
		}
		fields[i] = f
	}
	return id, &Object{TypeName: PropertySetTypeName, Members: fields}, nil
}

// readProperty decodes one Property into a named string member.
func readProperty(l *layout, b []byte, deps Dependencies) (Field, error) {
	v, err := readPOD(l, b, deps, false)
	if err != nil {
		return Field{}, err
	}
	o, ok := v.Object()
	if !ok {
		return Field{}, fmt.Errorf("a Property decodes to %s, want an object", v.Kind())
	}
	name, err := o.Str("name")
	if err != nil {
		return Field{}, err
	}
	value, err := o.Str(fieldValue)
	if err != nil {
		return Field{}, err
	}
	return Field{Name: name, Value: StringValue(value)}, nil
}

// readPropertySetObject is readPropertySet met in an object queue: an
// object {id, value: the set}, as the original yields.
func readPropertySetObject(ts *typeSet, deps Dependencies, c *cursor, dst *Object) error {
	id, set, err := readPropertySet(ts, deps, c)
	if err != nil {
		return err
	}
	dst.set(Field{fieldID, U64Value(id)}, Field{fieldValue, ObjectValue(set)})
	return nil
}

// readGoExecutionTrace: [i64 time][DynString trigger][the execution trace's
// bytes to the end]. The trace is binary: member data is a string of its
// bytes, not text.
func readGoExecutionTrace(c *cursor, dst *Object, alias bool) error {
	t, err := readTime(c)
	if err != nil {
		return err
	}
	trigger, err := c.dynString(alias)
	if err != nil {
		return inMember(fieldTrigger, err)
	}
	data := c.rest()
	s := string(data)
	if alias {
		s = aliasString(data)
	}
	dst.set(Field{fieldTime, I64Value(t)}, Field{fieldTrigger, StringValue(trigger)}, Field{fieldData, StringValue(s)})
	return nil
}
