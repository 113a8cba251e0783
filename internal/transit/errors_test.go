package transit

import (
	"errors"
	"strings"
	"testing"
)

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// u64s is the little-endian encoding of a sequence of u64.
func u64s(vs ...uint64) []byte {
	var b []byte
	for _, v := range vs {
		b = AppendU64(b, v)
	}
	return b
}

func pod8(name string, members ...Member) UserDefinedType {
	return UserDefinedType{Name: name, Size: 8, Members: members}
}

func TestParseErrors(t *testing.T) {
	handDepMap, err := ParseDependencies(handDeps, handDepUDTs())
	if err != nil {
		t.Fatal(err)
	}
	// deeply nested types: T0 contains T1 contains ... T19.
	var deep []UserDefinedType
	for i := range 20 {
		u := pod8("T" + string(rune('A'+i)))
		if i < 19 {
			u.Members = []Member{{Name: "n", TypeName: "T" + string(rune('A'+i+1)), Offset: 0, Size: 8}}
		} else {
			u.Members = []Member{{Name: "x", TypeName: "u64", Offset: 0, Size: 8}}
		}
		deep = append(deep, u)
	}
	v2 := func(payload []byte) []byte { return dynRecord(1, payload) }

	tests := []struct {
		name       string
		deps       bool // parse as a dependency buffer (else objects)
		udts       []UserDefinedType
		buf        []byte
		want       []string
		wantOffset int
		wantMember string
	}{
		{name: "type index out of range", buf: []byte{9},
			want: []string{"transit objects: record at byte 0, type 9:", "type index 9 out of range: the stream declares 7 types"}},
		{name: "type index out of range after a record", buf: cat(handObjs[:17], []byte{7}),
			want: []string{"type index 7 out of range"}, wantOffset: 17},
		{name: "truncated size prefix", buf: []byte{1, 0x1a, 0},
			want: []string{`type 1 "LogStringEventV2"`, "size prefix needs 4 bytes, 2 left"}},
		{name: "dynamic size larger than the buffer", buf: []byte{1, 0xff, 0xff, 0xff, 0xff, 0, 0},
			want: []string{"record size 4294967295 exceeds the 2 bytes left"}},
		{name: "truncated fixed-size record", buf: []byte{0, 1, 2, 3},
			want: []string{`"LogStaticStrEvent"`, "the type takes 16 bytes, 3 left"}},
		{name: "missing dependency of a POD reference", buf: podRecord(0, u64s(0x9999, 1)),
			want: []string{"dependency 39321 (0x9999) not found"}, wantMember: "desc"},
		{name: "missing desc of LogStringEventV2", buf: v2(AppendDynString(u64s(0x9999, 1), "m")),
			want: []string{"dependency 39321 (0x9999) not found"}, wantMember: "desc"},
		{name: "missing target of an interop event", buf: dynRecord(4, cat(u64s(1), []byte{2}, ssrBytes(0x77, 1, 2), AppendDynString(nil, "m"))),
			want: []string{"dependency 119 (0x77) not found"}, wantMember: "target.id"},
		{name: "string length beyond the record", buf: v2(cat(u64s(0x2000, 1), []byte{2}, AppendU32(nil, 1000), []byte("abc"))),
			want: []string{"string length 1000 at byte 22 exceeds the 3 bytes left in the record"}, wantMember: "msg"},
		{name: "unknown string codec", buf: v2(cat(u64s(0x2000, 1), []byte{7}, AppendU32(nil, 1), []byte("a"))),
			want: []string{"unknown string codec 7"}, wantMember: "msg"},
		{name: "truncated dynamic record", buf: v2([]byte{0, 0x20, 0, 0}),
			want: []string{"need 8 bytes at byte 5, only 4 left in the record"}, wantMember: "desc"},
		{name: "interop event without StaticStringRef metadata", udts: []UserDefinedType{{Name: "LogStringInteropEventV3"}},
			buf:  dynRecord(0, cat(u64s(1), []byte{2}, ssrBytes(0x1020, 1, 2), AppendDynString(nil, "m"))),
			want: []string{`the stream metadata declares no type "StaticStringRef"`}, wantMember: "target"},
		{name: "member beyond the type size", udts: []UserDefinedType{pod8("Bad", Member{Name: "x", TypeName: "u64", Offset: 4, Size: 8})},
			buf: podRecord(0, u64s(0)), want: []string{`type "Bad": member "x" at offset 4 with size 8 exceeds the type size 8`}},
		{name: "negative member offset", udts: []UserDefinedType{pod8("Bad", Member{Name: "x", TypeName: "u8", Offset: -1, Size: 1})},
			buf: podRecord(0, u64s(0)), want: []string{`member "x" at offset -1`}},
		{name: "huge member offset", udts: []UserDefinedType{pod8("Bad", Member{Name: "x", TypeName: "u64", Offset: 1 << 62, Size: 8})},
			buf: podRecord(0, u64s(0)), want: []string{`member "x" at offset 4611686018427387904`}},
		{name: "unknown intrinsic", udts: []UserDefinedType{pod8("Bad", Member{Name: "x", TypeName: "u16", Offset: 0, Size: 2})},
			buf: podRecord(0, u64s(0)), want: []string{`type "Bad": member "x" has unknown type "u16"`}},
		{name: "intrinsic size mismatch", udts: []UserDefinedType{pod8("Bad", Member{Name: "x", TypeName: "u32", Offset: 0, Size: 8})},
			buf: podRecord(0, u64s(0)), want: []string{`member "x" of type u32 has size 8, want 4`}},
		{name: "reference smaller than 8 bytes", udts: []UserDefinedType{pod8("Bad", Member{Name: "r", TypeName: "*u8", Offset: 0, Size: 4, IsReference: true})},
			buf: podRecord(0, u64s(0)), want: []string{`reference member "r" has size 4`}},
		{name: "recursive type", udts: []UserDefinedType{pod8("Loop", Member{Name: "self", TypeName: "Loop", Offset: 0, Size: 8})},
			buf: podRecord(0, u64s(0)), want: []string{`type "Loop" contains itself`}},
		{name: "nesting too deep", udts: deep, buf: podRecord(0, u64s(0)), want: []string{"nests types more than 16 deep"}},
		{name: "overlapping members", udts: []UserDefinedType{pod8("Bad",
			Member{Name: "a", TypeName: "u64", Offset: 0, Size: 8}, Member{Name: "b", TypeName: "u32", Offset: 4, Size: 4})},
			buf: podRecord(0, u64s(0)), want: []string{`members "a" and "b" overlap`}},
		{name: "reference type without id", udts: []UserDefinedType{
			pod8("Ev", Member{Name: "s", TypeName: "Ref", Offset: 0, Size: 8}),
			{Name: "Ref", Size: 8, IsReference: true, Members: []Member{{Name: "ptr", TypeName: "u64", Offset: 0, Size: 8}}},
		}, buf: podRecord(0, u64s(0)), want: []string{`reference type "Ref" has no member "id"`}},
		{name: "dynamic type nested", udts: []UserDefinedType{
			pod8("Ev", Member{Name: "s", TypeName: "Dyn", Offset: 0, Size: 8}), {Name: "Dyn"},
		}, buf: podRecord(0, u64s(0)), want: []string{`member "s" has the dynamic type "Dyn"`}},
		{name: "reference type as a record", udts: []UserDefinedType{staticStringRefUDT},
			buf: podRecord(0, ssrBytes(0x1000, 4, 2)), want: []string{`reference type "StaticStringRef" cannot be a record`}},
		{name: "negative type size", udts: []UserDefinedType{{Name: "Neg", Size: -3}}, buf: []byte{0},
			want: []string{"negative type size -3"}},

		// Dependency buffers.
		{name: "deps: type index out of range", deps: true, buf: []byte{7},
			want: []string{"transit dependencies: record at byte 0, type 7:", "declares 7 types"}},
		{name: "deps: huge property count", deps: true, buf: dynRecord(3, cat(u64s(1), AppendU32(nil, 0xffffffff))),
			want: []string{"4294967295 properties of 32 bytes at byte 17 exceed the 0 bytes left"}, wantMember: "properties"},
		{name: "deps: property type without size", deps: true,
			udts: []UserDefinedType{{Name: "PropertySetDependency"}, {Name: "Property"}},
			buf:  dynRecord(0, cat(u64s(1), AppendU32(nil, 1))),
			want: []string{`type "Property" must have a fixed size`}, wantMember: "properties"},
		{name: "deps: property value not a string", deps: true,
			buf:  cat(handDeps, dynRecord(3, cat(u64s(0x5000), AppendU32(nil, 1), ssrBytes(0x1000, 4, 2), ssrBytes(0x2000, 0, 2)))),
			want: []string{`member "value" of Property is object, want string`}, wantMember: "properties[0]", wantOffset: len(handDeps)},
		{name: "deps: reference before its dependency", deps: true, buf: podRecord(1, make([]byte, 48)),
			want: []string{`"LogMetadataRecord"`, "dependency 0 (0x0) not found"}, wantMember: "fmt_str"},
		{name: "deps: POD without id", deps: true,
			udts: []UserDefinedType{pod8("NoID", Member{Name: "x", TypeName: "u64", Offset: 0, Size: 8})},
			buf:  podRecord(0, u64s(5)), want: []string{`transit: NoID has no member "id"`}},
		{name: "deps: short StaticString", deps: true, buf: dynRecord(0, []byte{1, 2, 3}),
			want: []string{"need 8 bytes at byte 5, only 3 left"}, wantMember: "id"},
		{name: "deps: bad StaticStringDependency length", deps: true, buf: dynRecord(4, cat(u64s(1), []byte{2}, AppendU32(nil, 9))),
			want: []string{"string length 9"}, wantMember: "value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			udts := tt.udts
			if udts == nil && tt.deps {
				udts = handDepUDTs()
			} else if udts == nil {
				udts = handObjUDTs()
			}
			var err error
			if tt.deps {
				_, err = ParseDependencies(tt.buf, udts)
			} else {
				err = ParseObjects(tt.buf, udts, handDepMap, func(*Object) error { return nil })
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if pe.Offset != tt.wantOffset {
				t.Errorf("Offset = %d, want %d", pe.Offset, tt.wantOffset)
			}
			if pe.Member != tt.wantMember {
				t.Errorf("Member = %q, want %q", pe.Member, tt.wantMember)
			}
		})
	}
}

// A type that cannot be compiled only fails the records that use it, and
// unknown dynamic dependency types are skipped.
func TestBadTypesAreLazy(t *testing.T) {
	udts := []UserDefinedType{
		{Name: "StaticString"},
		pod8("Unused", Member{Name: "x", TypeName: "mystery", Offset: 0, Size: 8}),
		{Name: "NewDependencyKind"},
	}
	buf := cat(dynRecord(2, []byte("whatever")), dynRecord(0, staticString(1, "a")))
	deps, err := ParseDependencies(buf, udts)
	if err != nil {
		t.Fatalf("ParseDependencies: %v", err)
	}
	if s, _ := deps[1].Str(); len(deps) != 1 || s != "a" {
		t.Errorf("deps = %v", deps)
	}
}
