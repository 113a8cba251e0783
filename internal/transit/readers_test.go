package transit

import (
	"reflect"
	"testing"
)

// dynRecord frames a dynamic record: [idx][u32 size][payload].
func dynRecord(idx byte, payload []byte) []byte {
	b := AppendU32([]byte{idx}, uint32(len(payload)))
	return append(b, payload...)
}

// podRecord frames a fixed-size record: [idx][payload].
func podRecord(idx byte, payload []byte) []byte { return append([]byte{idx}, payload...) }

// staticString is the payload of a StaticString dependency.
func staticString(id uint64, s string) []byte { return append(AppendU64(nil, id), s...) }

// ssrBytes is a Rust/Unreal StaticStringRef: u64 ptr, u32 len, u8 codec, pad.
func ssrBytes(id uint64, n uint32, codec byte) []byte {
	b := AppendU32(AppendU64(nil, id), n)
	return append(b, codec, 0, 0, 0)
}

var staticStringRefUDT = UserDefinedType{Name: "StaticStringRef", Size: 16, IsReference: true, Members: []Member{
	{Name: "id", TypeName: "usize", Offset: 0, Size: 8, IsReference: true},
}}

var stringIDUDT = UserDefinedType{Name: "StringId", Size: 16, IsReference: true, Members: []Member{
	{Name: "id", TypeName: "usize", Offset: 0, Size: 8, IsReference: true},
	{Name: "len", TypeName: "u32", Offset: 8, Size: 4},
}}

func TestCustomReaders(t *testing.T) {
	depUDTs := []UserDefinedType{
		{Name: "StaticString"},
		{Name: "StaticStringDependency"},
		{Name: "PropertySetDependency"},
		// Unreal declares StaticStringRef members as references of 16 bytes.
		{Name: "Property", Size: 32, Members: []Member{
			{Name: "name", TypeName: "StaticStringRef", Offset: 0, Size: 16, IsReference: true},
			{Name: "value", TypeName: "StaticStringRef", Offset: 16, Size: 16, IsReference: true},
		}},
		// Unreal's LogMetadataDependency: StaticStringRef refs and a u8 level.
		{Name: "LogMetadataDependency", Size: 64, Members: []Member{
			{Name: "id", TypeName: "uint64", Offset: 0, Size: 8},
			{Name: "target", TypeName: "StaticStringRef", Offset: 8, Size: 16, IsReference: true},
			{Name: "fmt_str", TypeName: "StaticStringRef", Offset: 24, Size: 16, IsReference: true},
			{Name: "file", TypeName: "StaticStringRef", Offset: 40, Size: 16, IsReference: true},
			{Name: "line", TypeName: "uint32", Offset: 56, Size: 4},
			{Name: "level", TypeName: "uint8", Offset: 60, Size: 1},
		}},
	}
	var deps []byte
	deps = append(deps, dynRecord(0, staticString(1, "target"))...)
	deps = append(deps, dynRecord(0, staticString(2, "file.cpp"))...)
	deps = append(deps, dynRecord(1, AppendDynString(AppendU64(nil, 3), "fmt"))...)
	deps = append(deps, dynRecord(1, append(AppendU64(nil, 4), CodecWide, 4, 0, 0, 0, 'k', 0, 'v', 0))...)
	md := AppendU64(nil, 10)
	md = append(md, ssrBytes(1, 6, CodecUtf8)...)
	md = append(md, ssrBytes(3, 3, CodecUtf8)...)
	md = append(md, ssrBytes(2, 8, CodecUtf8)...)
	md = AppendU32(md, 99)
	md = append(md, 2, 0, 0, 0)
	deps = append(deps, podRecord(4, md)...)
	set := AppendU32(AppendU64(nil, 20), 1)
	set = append(set, ssrBytes(1, 6, CodecUtf8)...)
	set = append(set, ssrBytes(4, 4, CodecWide)...)
	deps = append(deps, dynRecord(2, set)...)

	dm, err := ParseDependencies(deps, depUDTs)
	if err != nil {
		t.Fatalf("ParseDependencies: %v", err)
	}
	meta := mustObj(t, dm[10])
	wantMeta := &Object{TypeName: "LogMetadataDependency", Members: []Field{
		{"id", U64Value(10)}, {"target", StringValue("target")}, {"fmt_str", StringValue("fmt")},
		{"file", StringValue("file.cpp")}, {"line", U32Value(99)}, {"level", U8Value(2)},
	}}
	if !reflect.DeepEqual(meta, wantMeta) {
		t.Errorf("LogMetadataDependency = %v", dm[10])
	}
	propSet := mustObj(t, dm[20])
	if m, err := propSet.PropertyMap(); err != nil || !reflect.DeepEqual(m, map[string]string{"target": "kv"}) {
		t.Errorf("property set = %v, %v", m, err)
	}

	objUDTs := []UserDefinedType{
		{Name: "LogStringEvent"},
		{Name: "LogStringInteropEventV2"},
		{Name: "TaggedLogInteropEvent"},
		{Name: "PropertySetDependency"},
		{Name: "FloatMetricEvent", Size: 24, Members: []Member{
			{Name: "value", TypeName: "f64", Offset: 0, Size: 8},
			{Name: "time", TypeName: "i64", Offset: 8, Size: 8},
			{Name: "desc", TypeName: "&MetricMetadata", Offset: 16, Size: 8, IsReference: true},
		}},
		// A plain (non-reference) nested type becomes a nested object.
		{Name: "Outer", Size: 9, Members: []Member{
			{Name: "inner", TypeName: "Inner", Offset: 1, Size: 8},
			{Name: "flag", TypeName: "u8", Offset: 0, Size: 1},
		}},
		{Name: "Inner", Size: 8, Members: []Member{{Name: "x", TypeName: "u64", Offset: 0, Size: 8}}},
		stringIDUDT,
		staticStringRefUDT,
		{Name: "Property", Size: 32, Members: []Member{
			{Name: "name", TypeName: "StaticStringRef", Offset: 0, Size: 16},
			{Name: "value", TypeName: "StaticStringRef", Offset: 16, Size: 16},
		}},
	}
	var objs []byte
	objs = append(objs, dynRecord(0, append(AppendI64(AppendU64(nil, 10), 7), "legacy é"...))...)
	v2 := AppendU32(AppendI64(nil, 8), 5)
	v2 = append(v2, AppendU32(AppendU64(nil, 1), 6)...) // StringId{ptr, len} + 4 bytes padding
	v2 = append(v2, 0, 0, 0, 0)
	v2 = append(v2, "raw text"...)
	objs = append(objs, dynRecord(1, v2)...)
	tagged := append(AppendI64(nil, 9), 3)
	tagged = append(tagged, ssrBytes(2, 8, CodecUtf8)...)
	tagged = AppendU64(tagged, 20)
	tagged = AppendDynString(tagged, "tagged")
	objs = append(objs, dynRecord(2, tagged)...)
	objs = append(objs, dynRecord(3, set)...)
	objs = append(objs, podRecord(4, AppendU64(AppendI64(AppendF64(nil, 2.5), 11), 10))...)
	objs = append(objs, podRecord(5, AppendU64([]byte{1}, 1<<40))...)

	got := collect(t, objs, objUDTs, dm)
	want := []*Object{
		{TypeName: "LogStringEvent", Members: []Field{
			{"time", I64Value(7)}, {"msg", StringValue("legacy é")}, {"desc", ObjectValue(meta)},
		}},
		{TypeName: "LogStringInteropEventV2", Members: []Field{
			{"time", I64Value(8)}, {"level", U32Value(5)}, {"target", StringValue("target")}, {"msg", StringValue("raw text")},
		}},
		{TypeName: "TaggedLogInteropEvent", Members: []Field{
			{"time", I64Value(9)}, {"level", U8Value(3)}, {"target", StringValue("file.cpp")},
			{"properties", ObjectValue(propSet)}, {"msg", StringValue("tagged")},
		}},
		{TypeName: "PropertySetDependency", Members: []Field{
			{"id", U64Value(20)}, {"value", ObjectValue(&Object{TypeName: PropertySetTypeName, Members: []Field{{"target", StringValue("kv")}}})},
		}},
		{TypeName: "FloatMetricEvent", Members: []Field{
			{"value", F64Value(2.5)}, {"time", I64Value(11)}, {"desc", ObjectValue(meta)},
		}},
		{TypeName: "Outer", Members: []Field{
			{"inner", ObjectValue(&Object{TypeName: "Inner", Members: []Field{{"x", U64Value(1 << 40)}}})},
			{"flag", U8Value(1)},
		}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d objects, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("object %d = %v\nwant       %v", i, ObjectValue(got[i]), ObjectValue(want[i]))
		}
	}
	if v, err := got[4].F64("value"); err != nil || v != 2.5 {
		t.Errorf("F64(value) = %v, %v", v, err)
	}
}

func TestValueAccessors(t *testing.T) {
	tests := []struct {
		v                Value
		kind             Kind
		u8ok, u32ok      bool
		u64ok, i64ok     bool
		f64ok, strok, ok bool
	}{
		{v: Value{}, kind: KindNone},
		{v: U8Value(1), kind: KindU8, u8ok: true, u32ok: true, u64ok: true, i64ok: true},
		{v: U32Value(1), kind: KindU32, u32ok: true, u64ok: true, i64ok: true},
		{v: U64Value(1), kind: KindU64, u64ok: true, i64ok: true},
		{v: I64Value(1), kind: KindI64, u64ok: true, i64ok: true},
		{v: F64Value(1), kind: KindF64, f64ok: true},
		{v: StringValue("s"), kind: KindString, strok: true},
		{v: ObjectValue(&Object{}), kind: KindObject, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			if tt.v.Kind() != tt.kind {
				t.Errorf("Kind() = %v", tt.v.Kind())
			}
			if _, ok := tt.v.U8(); ok != tt.u8ok {
				t.Errorf("U8 ok = %v", ok)
			}
			if _, ok := tt.v.U32(); ok != tt.u32ok {
				t.Errorf("U32 ok = %v", ok)
			}
			if _, ok := tt.v.U64(); ok != tt.u64ok {
				t.Errorf("U64 ok = %v", ok)
			}
			if _, ok := tt.v.I64(); ok != tt.i64ok {
				t.Errorf("I64 ok = %v", ok)
			}
			if _, ok := tt.v.F64(); ok != tt.f64ok {
				t.Errorf("F64 ok = %v", ok)
			}
			if _, ok := tt.v.Str(); ok != tt.strok {
				t.Errorf("Str ok = %v", ok)
			}
			if _, ok := tt.v.Object(); ok != tt.ok {
				t.Errorf("Object ok = %v", ok)
			}
		})
	}
	if v, _ := I64Value(-1).U64(); v != ^uint64(0) {
		t.Errorf("I64(-1).U64() = %d, want the same bits", v)
	}
}

func TestObjectGetterErrors(t *testing.T) {
	o := &Object{TypeName: "LogMetadataRecord", Members: []Field{{"line", StringValue("x")}}}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"missing", func() error { _, err := o.U32("level"); return err }, `transit: LogMetadataRecord has no member "level" (want u32)`},
		{"wrong kind", func() error { _, err := o.U32("line"); return err }, `transit: member "line" of LogMetadataRecord is string, want u32`},
		{"obj", func() error { _, err := o.Obj("line"); return err }, `transit: member "line" of LogMetadataRecord is string, want object`},
		{"nil object", func() error { _, err := (*Object)(nil).I64("time"); return err }, `transit: <nil object> has no member "time" (want i64)`},
		{"properties", func() error {
			_, err := (&Object{TypeName: "p", Members: []Field{{"a", U8Value(1)}}}).PropertyMap()
			return err
		}, `transit: member "a" of p is u8, want string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}
