package transit

import (
	"errors"
	"reflect"
	"testing"
)

// collect parses an object buffer into a slice.
func collect(t testing.TB, buf []byte, udts []UserDefinedType, deps Dependencies) []*Object {
	t.Helper()
	var objs []*Object
	if err := ParseObjects(buf, udts, deps, func(o *Object) error {
		objs = append(objs, o)
		return nil
	}); err != nil {
		t.Fatalf("ParseObjects: %v", err)
	}
	return objs
}

func mustObj(t *testing.T, v Value) *Object {
	t.Helper()
	o, ok := v.Object()
	if !ok {
		t.Fatalf("want an object, got %v", v)
	}
	return o
}

func TestHandBuiltDependencies(t *testing.T) {
	deps, err := ParseDependencies(handDeps, handDepUDTs())
	if err != nil {
		t.Fatalf("ParseDependencies: %v", err)
	}
	if len(deps) != 9 {
		t.Errorf("got %d dependencies, want 9: %v", len(deps), deps)
	}
	for id, want := range map[uint64]string{
		0x1000: "main", 0x1010: "fmt {}", 0x1020: "app::net", 0x1030: "src/main.rs",
		0x1040: "ok😀", 0x1050: "café",
	} {
		if got, ok := deps[id].Str(); !ok || got != want {
			t.Errorf("deps[%#x] = %v, want %q", id, deps[id], want)
		}
	}

	meta := mustObj(t, deps[0x2000])
	wantMeta := &Object{TypeName: "LogMetadataRecord", Members: []Field{
		{"id", U64Value(0x2000)},
		{"fmt_str", StringValue("fmt {}")},
		{"target", StringValue("app::net")},
		{"module_path", StringValue("app::net")},
		{"file", StringValue("src/main.rs")},
		{"line", U32Value(42)},
		{"level", U32Value(3)},
	}}
	if !reflect.DeepEqual(meta, wantMeta) {
		t.Errorf("LogMetadataRecord = %v\nwant %v", deps[0x2000], ObjectValue(wantMeta))
	}

	span := mustObj(t, deps[0x3000])
	wantSpan := &Object{TypeName: "SpanRecord", Members: []Field{
		{"id", U64Value(0x3000)},
		{"name", StringValue("main")},
		{"target", StringValue("app::net")},
		{"module_path", StringValue("app::net")},
		{"file", StringValue("src/main.rs")},
		{"line", U32Value(7)},
		{"lod", U32Value(1)},
	}}
	if !reflect.DeepEqual(span, wantSpan) {
		t.Errorf("SpanRecord = %v\nwant %v", deps[0x3000], ObjectValue(wantSpan))
	}

	set := mustObj(t, deps[0x4000])
	if set.TypeName != PropertySetTypeName {
		t.Errorf("property set type = %q, want %q", set.TypeName, PropertySetTypeName)
	}
	props, err := set.Properties()
	if err != nil {
		t.Fatal(err)
	}
	wantProps := []Property{{"café", "ok😀"}, {"app::net", "main"}}
	if !reflect.DeepEqual(props, wantProps) {
		t.Errorf("Properties() = %q, want %q", props, wantProps)
	}
	m, err := set.PropertyMap()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, map[string]string{"café": "ok😀", "app::net": "main"}) {
		t.Errorf("PropertyMap() = %v", m)
	}
}

func TestHandBuiltObjects(t *testing.T) {
	deps, err := ParseDependencies(handDeps, handDepUDTs())
	if err != nil {
		t.Fatalf("ParseDependencies: %v", err)
	}
	objs := collect(t, handObjs, handObjUDTs(), deps)
	if len(objs) != 6 {
		t.Fatalf("got %d objects, want 6", len(objs))
	}
	meta, span, set := mustObj(t, deps[0x2000]), mustObj(t, deps[0x3000]), mustObj(t, deps[0x4000])

	want := []*Object{
		{TypeName: "LogStaticStrEvent", Members: []Field{
			{"desc", ObjectValue(meta)}, {"time", I64Value(100)},
		}},
		{TypeName: "LogStringEventV2", Members: []Field{
			{"time", I64Value(200)}, {"msg", StringValue("hello")}, {"desc", ObjectValue(meta)},
		}},
		{TypeName: "BeginThreadSpanEvent", Members: []Field{
			{"thread_span_desc", ObjectValue(span)}, {"time", I64Value(300)},
		}},
		{TypeName: "TaggedLogString", Members: []Field{
			{"time", I64Value(400)}, {"desc", ObjectValue(meta)},
			{"properties", ObjectValue(set)}, {"msg", StringValue("tag")},
		}},
		{TypeName: "LogStringInteropEventV3", Members: []Field{
			{"time", I64Value(500)}, {"level", U8Value(4)},
			{"target", StringValue("app::net")}, {"msg", StringValue("v3")},
		}},
		{TypeName: "EventFromTheFuture"},
	}
	for i := range want {
		if !reflect.DeepEqual(objs[i], want[i]) {
			t.Errorf("object %d = %v\nwant       %v", i, ObjectValue(objs[i]), ObjectValue(want[i]))
		}
	}
	// References share the dependency, they do not copy it.
	if d, _ := objs[0].Obj("desc"); d != meta {
		t.Error("LogStaticStrEvent.desc is not the shared LogMetadataRecord")
	}
	// The typed getters the lakehouse uses.
	if got, err := objs[2].I64("time"); err != nil || got != 300 {
		t.Errorf("I64(time) = %d, %v", got, err)
	}
	d, err := objs[2].Obj("thread_span_desc")
	if err != nil {
		t.Fatal(err)
	}
	if name, err := d.Str("name"); err != nil || name != "main" {
		t.Errorf("span name = %q, %v", name, err)
	}
	if line, err := d.U32("line"); err != nil || line != 7 {
		t.Errorf("span line = %d, %v", line, err)
	}
	if lvl, err := objs[4].U32("level"); err != nil || lvl != 4 {
		t.Errorf("U32(level) of a u8 = %d, %v", lvl, err)
	}
}

func TestParseObjectsCallbackError(t *testing.T) {
	deps, err := ParseDependencies(handDeps, handDepUDTs())
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	n := 0
	err = ParseObjects(handObjs, handObjUDTs(), deps, func(*Object) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Errorf("err = %v, want the callback's error as is", err)
	}
	if n != 2 {
		t.Errorf("callback ran %d times, want 2", n)
	}
}

func TestEmptyBuffers(t *testing.T) {
	deps, err := ParseDependencies(nil, nil)
	if err != nil || len(deps) != 0 {
		t.Errorf("ParseDependencies(nil) = %v, %v", deps, err)
	}
	if err := ParseObjects(nil, nil, nil, func(*Object) error { t.Error("callback called"); return nil }); err != nil {
		t.Errorf("ParseObjects(nil) = %v", err)
	}
}
