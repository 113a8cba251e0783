package transit

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// seedProcess is a complete insert_process body.
func seedProcess(f *testing.F) []byte {
	b, err := Encode(ProcessInfo{
		ProcessID: "2b1c0f5e-0000-4000-8000-000000000003", Exe: "/bin/app", Username: "u", Computer: "c",
		TSCFrequency: 1e9, StartTime: Time{time.Date(2026, 11, 24, 10, 0, 0, 5, time.UTC)}, StartTicks: 42,
		ParentProcessID: "2b1c0f5e-0000-4000-8000-000000000004", Properties: map[string]string{"k": "v"},
	})
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzDecodeProcessInfo feeds arbitrary insert_process bodies: no panic,
// every failure classified as ErrInvalid, and what decodes has its
// required fields and survives a round trip unchanged.
func FuzzDecodeProcessInfo(f *testing.F) {
	f.Add(seedProcess(f))
	f.Add([]byte{0xa0})
	f.Add([]byte{0xa1, 0x6a, 'p', 'r', 'o', 'c', 'e', 's', 's', '_', 'i', 'd', 0x60}) // process_id ""
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := DecodeProcessInfo(body)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error not classified as invalid input: %v", err)
			}
			return
		}
		if p.ProcessID == "" || p.StartTime.IsZero() {
			t.Fatalf("accepted a process without id or start time: %+v", p)
		}
		again, err := Encode(p)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		p2, err := DecodeProcessInfo(again)
		if err != nil || !reflect.DeepEqual(p, p2) {
			t.Fatalf("round trip: %+v, %v; want %+v", p2, err, p)
		}
	})
}

// FuzzDecodeStreamInfo feeds arbitrary insert_stream bodies: no panic,
// every failure classified as ErrInvalid, and the type metadata of what
// decodes can be stored (EncodeUDTs) and read back unchanged.
func FuzzDecodeStreamInfo(f *testing.F) {
	seed, err := Encode(StreamInfo{
		ProcessID: "2b1c0f5e-0000-4000-8000-000000000003", StreamID: "2b1c0f5e-0000-4000-8000-000000000005",
		DependenciesMetadata: handDepUDTs(), ObjectsMetadata: handObjUDTs(),
		Tags: []string{"log"}, Properties: map[string]string{"thread-name": "main"},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte{0xa0})
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := DecodeStreamInfo(body)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error not classified as invalid input: %v", err)
			}
			return
		}
		if s.StreamID == "" || s.ProcessID == "" {
			t.Fatalf("accepted a stream without ids: %+v", s)
		}
		for _, udts := range [][]UserDefinedType{s.DependenciesMetadata, s.ObjectsMetadata} {
			stored, err := EncodeUDTs(udts)
			if err != nil {
				t.Fatalf("encode accepted metadata: %v", err)
			}
			back, err := DecodeUDTs(stored)
			if err != nil {
				t.Fatalf("decode stored metadata: %v", err)
			}
			if len(back) != len(udts) {
				t.Fatalf("metadata round trip: %d types, want %d", len(back), len(udts))
			}
		}
	})
}
