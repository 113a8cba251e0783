package transit

import (
	"errors"
	"slices"
	"testing"
)

// checkParseError fails unless err is nil or a *ParseError.
func checkParseError(t *testing.T, err error) {
	t.Helper()
	var pe *ParseError
	if err != nil && !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *ParseError", err, err)
	}
}

// scanRecordStrings formats what ScanRecords presents the way the other
// fuzz targets format objects, checking Int64 and Object against Member
// on the way.
func scanRecordStrings(t *testing.T, buf []byte, udts []UserDefinedType, deps Dependencies) ([]string, error) {
	var out []string
	err := ScanRecords(buf, udts, deps, func(r *Record) error {
		o := &Object{TypeName: r.TypeName()}
		for j := range r.NumMembers() {
			v := r.Member(j)
			want, wantOK := v.I64()
			if got, ok := r.Int64(j); got != want || ok != wantOK {
				t.Fatalf("%s member %d: Int64 = %d, %v; Member(j).I64() = %d, %v", r.TypeName(), j, got, ok, want, wantOK)
			}
			wantObj, wantIsObj := v.Object()
			if got, ok := r.Object(j); got != wantObj || ok != wantIsObj {
				t.Fatalf("%s member %d: Object = %p, %v; Member(j).Object() = %p, %v", r.TypeName(), j, got, ok, wantObj, wantIsObj)
			}
			o.Members = append(o.Members, Field{Name: r.MemberName(j), Value: v})
		}
		out = append(out, ObjectValue(o).String())
		return nil
	})
	return out, err
}

// checkSameScan fails unless ScanRecords saw what ParseObjects did.
func checkSameScan(t *testing.T, buf []byte, udts []UserDefinedType, deps Dependencies, parsed []string, err error) {
	t.Helper()
	recs, recErr := scanRecordStrings(t, buf, udts, deps)
	if (err == nil) != (recErr == nil) || (err != nil && err.Error() != recErr.Error()) {
		t.Fatalf("ScanRecords error %v, ParseObjects error %v", recErr, err)
	}
	if !slices.Equal(parsed, recs) {
		t.Fatalf("ScanRecords saw %q, ParseObjects %q", recs, parsed)
	}
}

func FuzzParseDependencies(f *testing.F) {
	f.Add(handDeps)
	f.Add(handDeps[:60])
	f.Add([]byte{})
	f.Add(dynRecord(3, cat(u64s(1), AppendU32(nil, 0xffffffff))))
	udts := handDepUDTs()
	f.Fuzz(func(t *testing.T, buf []byte) {
		deps, err := ParseDependencies(buf, udts)
		checkParseError(t, err)
		// Every dependency record takes at least 9 bytes (index + id).
		if err == nil && len(deps)*9 > len(buf) {
			t.Fatalf("%d dependencies from %d bytes", len(deps), len(buf))
		}
	})
}

func FuzzParseObjects(f *testing.F) {
	f.Add(handObjs)
	f.Add(handObjs[:40])
	f.Add([]byte{})
	f.Add(dynRecord(1, cat(u64s(0x2000, 1), []byte{1}, AppendU32(nil, 4), []byte{0x3d, 0xd8, 0, 0xde})))
	deps, err := ParseDependencies(handDeps, handDepUDTs())
	if err != nil {
		f.Fatal(err)
	}
	udts := handObjUDTs()
	f.Fuzz(func(t *testing.T, buf []byte) {
		var parsed []string
		err := ParseObjects(buf, udts, deps, func(o *Object) error {
			if o == nil {
				t.Fatal("nil object")
			}
			parsed = append(parsed, ObjectValue(o).String())
			return nil
		})
		checkParseError(t, err)
		// Every object record takes at least 5 bytes (index + size or POD).
		if n := len(parsed); n*5 > len(buf) {
			t.Fatalf("%d objects from %d bytes", n, len(buf))
		}
		// ScanObjects must see exactly the same objects and error.
		var scanned []string
		scanErr := ScanObjects(buf, udts, deps, func(o *Object) error {
			scanned = append(scanned, ObjectValue(o).String())
			return nil
		})
		if (err == nil) != (scanErr == nil) || (err != nil && err.Error() != scanErr.Error()) {
			t.Fatalf("ScanObjects error %v, ParseObjects error %v", scanErr, err)
		}
		if !slices.Equal(parsed, scanned) {
			t.Fatalf("ScanObjects saw %q, ParseObjects %q", scanned, parsed)
		}
		checkSameScan(t, buf, udts, deps, parsed, err)
	})
}

// FuzzParseMetadata also fuzzes the type metadata (CBOR), which comes from
// the network too.
func FuzzParseMetadata(f *testing.F) {
	depMeta, err := EncodeUDTs(handDepUDTs())
	if err != nil {
		f.Fatal(err)
	}
	objMeta, err := EncodeUDTs(handObjUDTs())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(depMeta, handDeps, objMeta, handObjs)
	f.Add(objMeta, handObjs, depMeta, handDeps)
	f.Fuzz(func(t *testing.T, depMeta, depBuf, objMeta, objBuf []byte) {
		depUDTs, err := DecodeUDTs(depMeta)
		if err != nil {
			return
		}
		objUDTs, err := DecodeUDTs(objMeta)
		if err != nil {
			return
		}
		deps, err := ParseDependencies(depBuf, depUDTs)
		checkParseError(t, err)
		var parsed, scanned []string
		err = ParseObjects(objBuf, objUDTs, deps, func(o *Object) error {
			parsed = append(parsed, ObjectValue(o).String())
			return nil
		})
		checkParseError(t, err)
		// Reusing objects must not change what the records decode to.
		scanErr := ScanObjects(objBuf, objUDTs, deps, func(o *Object) error {
			scanned = append(scanned, ObjectValue(o).String())
			return nil
		})
		if (err == nil) != (scanErr == nil) || (err != nil && err.Error() != scanErr.Error()) {
			t.Fatalf("ScanObjects error %v, ParseObjects error %v", scanErr, err)
		}
		if !slices.Equal(parsed, scanned) {
			t.Fatalf("ScanObjects saw %q, ParseObjects %q", scanned, parsed)
		}
		checkSameScan(t, objBuf, objUDTs, deps, parsed, err)
	})
}
