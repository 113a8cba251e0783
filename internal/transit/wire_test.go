package transit

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
)

func mustCompress(t *testing.T, b []byte) []byte {
	t.Helper()
	z, err := Compress(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func TestBlockRoundTrip(t *testing.T) {
	begin := time.Date(2026, 11, 24, 10, 0, 0, 123456789, time.UTC)
	in := Block{
		BlockID: "2b1c0f5e-0000-4000-8000-000000000001", StreamID: "2b1c0f5e-0000-4000-8000-000000000002",
		ProcessID: "2b1c0f5e-0000-4000-8000-000000000003",
		BeginTime: Time{begin}, EndTime: Time{begin.Add(time.Second)}, BeginTicks: 10, EndTicks: 20,
		Payload:      BlockPayload{Dependencies: mustCompress(t, []byte("deps")), Objects: mustCompress(t, []byte("objects"))},
		ObjectOffset: 7, NbObjects: 3,
	}
	body, err := Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := DecodeBlock(body)
	if err != nil {
		t.Fatal(err)
	}
	if !out.BeginTime.Equal(begin) || out.EndTicks != 20 || out.NbObjects != 3 || out.ObjectOffset != 7 {
		t.Fatalf("round trip: %+v", out)
	}
	objs, err := Decompress(out.Payload.Objects)
	if err != nil || string(objs) != "objects" {
		t.Fatalf("objects: %q, %v", objs, err)
	}
}

// TestPayloadAsIntegerArray decodes a payload whose buffers are arrays of
// integers, as v0.15 Rust clients send them (serde's Vec<u8>).
func TestPayloadAsIntegerArray(t *testing.T) {
	deps := mustCompress(t, []byte("d"))
	objs := mustCompress(t, []byte("o"))
	toInts := func(b []byte) []uint64 {
		out := make([]uint64, len(b))
		for i, c := range b {
			out[i] = uint64(c)
		}
		return out
	}
	body, err := cbor.Marshal(map[string]any{"dependencies": toInts(deps), "objects": toInts(objs)})
	if err != nil {
		t.Fatal(err)
	}
	p, err := DecodePayload(body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Dependencies, deps) || !bytes.Equal(p.Objects, objs) {
		t.Fatal("integer arrays did not decode to the same bytes")
	}
	bad, _ := cbor.Marshal(map[string]any{"dependencies": []uint64{1, 300}, "objects": []uint64{}})
	if _, err := DecodePayload(bad); err == nil || !strings.Contains(err.Error(), "not a byte") {
		t.Fatalf("want an error for 300 in a byte array, got %v", err)
	}
}

func TestUUIDForms(t *testing.T) {
	id := []byte{0x2b, 0x1c, 0x0f, 0x5e, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 9}
	for _, c := range []struct {
		name string
		v    any
		want string
		ok   bool
	}{
		{"string", "2B1C0F5E-0000-4000-8000-000000000009", "2b1c0f5e-0000-4000-8000-000000000009", true},
		{"bytes", id, "2b1c0f5e-0000-4000-8000-000000000009", true},
		{"empty", "", "", true},
		{"null", nil, "", true},
		{"garbage", "xyz", "", false},
		{"number", 12, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, _ := cbor.Marshal(c.v)
			var u UUID
			err := decMode.Unmarshal(b, &u)
			if (err == nil) != c.ok || string(u) != c.want {
				t.Fatalf("got %q, %v; want %q ok=%v", u, err, c.want, c.ok)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	good := map[string]any{
		"block_id": "2b1c0f5e-0000-4000-8000-000000000001", "stream_id": "2b1c0f5e-0000-4000-8000-000000000002",
		"process_id": "2b1c0f5e-0000-4000-8000-000000000003",
		"begin_time": "2026-11-24T10:00:00Z", "end_time": "2026-11-24T10:00:01Z",
		"payload": map[string]any{"dependencies": mustCompress(t, nil), "objects": mustCompress(t, nil)},
	}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, c := range []struct {
		name string
		msg  any
		want string
	}{
		{"no block id", with("block_id", nil), "block_id"},
		{"bad time", with("begin_time", "yesterday"), "rfc3339"},
		{"end before begin", with("end_time", "2026-11-24T09:00:00Z"), "before begin_time"},
		{"payload not lz4", with("payload", map[string]any{"dependencies": []byte("plain"), "objects": []byte("x")}), "lz4"},
		{"negative count", with("nb_objects", -1), "negative"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, _ := cbor.Marshal(c.msg)
			_, err := DecodeBlock(b)
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(c.want)) {
				t.Fatalf("got %v, want an ErrInvalid mentioning %q", err, c.want)
			}
		})
	}
	if _, err := DecodeBlock(mustEncode(t, good)); err != nil {
		t.Fatalf("the good block is rejected: %v", err)
	}
	trailing := append(mustEncode(t, good), 0x01)
	if _, err := DecodeBlock(trailing); err == nil || !strings.Contains(err.Error(), "trailing") {
		t.Fatalf("trailing bytes accepted: %v", err)
	}
}

func mustEncode(t *testing.T, v any) []byte {
	t.Helper()
	b, err := cbor.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecompressLimits(t *testing.T) {
	if _, err := Decompress([]byte("not a frame")); err == nil {
		t.Fatal("a non-frame decompressed")
	}
	z := mustCompress(t, bytes.Repeat([]byte("abc"), 1000))
	if _, err := Decompress(z[:len(z)-6]); err == nil {
		t.Fatal("a truncated frame decompressed")
	}
}

// FuzzDecodeBlock feeds arbitrary bodies to the insert_block decoder: it
// must never panic and must classify every failure as ErrInvalid.
func FuzzDecodeBlock(f *testing.F) {
	z, _ := Compress(nil, []byte("seed"))
	seed, _ := Encode(Block{BlockID: "2b1c0f5e-0000-4000-8000-000000000001", StreamID: "2b1c0f5e-0000-4000-8000-000000000002",
		ProcessID: "2b1c0f5e-0000-4000-8000-000000000003", BeginTime: Time{time.Unix(1, 0)}, EndTime: Time{time.Unix(2, 0)},
		Payload: BlockPayload{Dependencies: z, Objects: z}})
	f.Add(seed)
	f.Add([]byte{0xa0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		_, err := DecodeBlock(body)
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("error not classified as invalid input: %v", err)
		}
		DecodeProcessInfo(body)
		DecodeStreamInfo(body)
		DecodePayload(body)
	})
}
