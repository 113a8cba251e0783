package transit

import (
	"reflect"
	"testing"
)

// TestScanObjects checks that ScanObjects sees the objects ParseObjects
// returns, reusing one object per record type.
func TestScanObjects(t *testing.T) {
	deps, err := ParseDependencies(handDeps, handDepUDTs())
	if err != nil {
		t.Fatal(err)
	}
	bench, _ := benchObjects()
	for _, c := range []struct {
		name string
		buf  []byte
	}{{"hand-built", handObjs}, {"10k logs", bench}} {
		t.Run(c.name, func(t *testing.T) {
			want := collect(t, c.buf, handObjUDTs(), deps)
			var got []string
			seen := map[string]*Object{}
			reused := 0
			err := ScanObjects(c.buf, handObjUDTs(), deps, func(o *Object) error {
				if p, ok := seen[o.TypeName]; ok && p == o {
					reused++
				}
				seen[o.TypeName] = o
				got = append(got, ObjectValue(o).String())
				return nil
			})
			if err != nil {
				t.Fatalf("ScanObjects: %v", err)
			}
			if len(got) != len(want) {
				t.Fatalf("ScanObjects saw %d objects, ParseObjects %d", len(got), len(want))
			}
			for i := range want {
				if w := ObjectValue(want[i]).String(); got[i] != w {
					t.Errorf("object %d = %s, want %s", i, got[i], w)
				}
			}
			if wantReused := len(want) - len(seen); reused != wantReused {
				t.Errorf("%d objects reused, want %d (one object per type)", reused, wantReused)
			}
		})
	}
}

// TestScanObjectsKeepsDependencies checks that what comes from the
// dependencies (descriptors) is shared, not overwritten by the next record.
func TestScanObjectsKeepsDependencies(t *testing.T) {
	deps, err := ParseDependencies(handDeps, handDepUDTs())
	if err != nil {
		t.Fatal(err)
	}
	var descs []*Object
	err = ScanObjects(handObjs, handObjUDTs(), deps, func(o *Object) error {
		if d, err := o.Obj("desc"); err == nil {
			descs = append(descs, d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	meta := mustObj(t, deps[0x2000])
	if len(descs) != 3 {
		t.Fatalf("got %d descriptors, want 3", len(descs))
	}
	for i, d := range descs {
		if d != meta || !reflect.DeepEqual(d, meta) {
			t.Errorf("descriptor %d = %v, want the shared LogMetadataRecord", i, ObjectValue(d))
		}
	}
}
