package transit

import "testing"

// benchObjects is 10k LogStringEventV2 and 10k LogStaticStrEvent records,
// interleaved, referencing the hand-built dependencies.
func benchObjects() ([]byte, int) {
	const n = 10_000
	var buf []byte
	for i := range n {
		msg := AppendDynString(AppendI64(AppendU64(nil, 0x2000), int64(i)), "request served in 12 ms")
		buf = append(buf, dynRecord(1, msg)...)
		buf = append(buf, podRecord(0, AppendI64(AppendU64(nil, 0x2000), int64(i)))...)
	}
	return buf, 2 * n
}

func BenchmarkParseObjects(b *testing.B) { benchObjectsWith(b, ParseObjects) }

// BenchmarkScanObjects is BenchmarkParseObjects with the reusing decoder
// of the lakehouse.
func BenchmarkScanObjects(b *testing.B) { benchObjectsWith(b, ScanObjects) }

func benchObjectsWith(b *testing.B, parse func([]byte, []UserDefinedType, Dependencies, func(*Object) error) error) {
	deps, err := ParseDependencies(handDeps, handDepUDTs())
	if err != nil {
		b.Fatal(err)
	}
	buf, n := benchObjects()
	udts := handObjUDTs()
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		count := 0
		if err := parse(buf, udts, deps, func(*Object) error { count++; return nil }); err != nil {
			b.Fatal(err)
		}
		if count != n {
			b.Fatalf("parsed %d objects, want %d", count, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/object")
}

func BenchmarkParseDependencies(b *testing.B) {
	udts := handDepUDTs()
	b.SetBytes(int64(len(handDeps)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDependencies(handDeps, udts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanRecords reads the time of 20k fixed-size records (the
// thread span events of the lakehouse's thread_spans conversion).
func BenchmarkScanRecords(b *testing.B) {
	deps, err := ParseDependencies(handDeps, handDepUDTs())
	if err != nil {
		b.Fatal(err)
	}
	const n = 20_000
	var buf []byte
	for i := range n {
		buf = append(buf, podRecord(0, AppendI64(AppendU64(nil, 0x2000), int64(i)))...)
	}
	udts := handObjUDTs()
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var sum int64
		if err := ScanRecords(buf, udts, deps, func(r *Record) error {
			v, _ := r.Int64(1)
			sum += v
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if sum != n*(n-1)/2 {
			b.Fatalf("sum of times %d", sum)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
}
