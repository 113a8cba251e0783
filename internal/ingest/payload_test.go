package ingest

import (
	"bytes"
	"testing"

	"github.com/micromegas-go/micromegas/internal/ingest/workload"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// TestEncodePayloadMatchesTransit checks the fast encoder against the
// generic one on every length class of the CBOR byte-string head.
func TestEncodePayloadMatchesTransit(t *testing.T) {
	sizes := []int{0, 1, 23, 24, 255, 256, 65535, 65536, 1 << 20}
	for _, nd := range sizes {
		for _, no := range []int{0, 7, 300, 70_000} {
			p := transit.BlockPayload{Dependencies: bytes.Repeat([]byte{1}, nd), Objects: bytes.Repeat([]byte{2}, no)}
			want, err := transit.EncodePayload(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := encodePayload(p); !bytes.Equal(got, want) {
				t.Fatalf("deps %d, objects %d bytes: fast encoding differs (%d vs %d bytes)", nd, no, len(got), len(want))
			}
		}
	}
	for _, p := range []transit.BlockPayload{{}, {Objects: []byte{}}} {
		want, _ := transit.EncodePayload(p)
		if got := encodePayload(p); !bytes.Equal(got, want) {
			t.Errorf("payload %#v: %x, want %x", p, got, want)
		}
	}
}

func FuzzEncodePayload(f *testing.F) {
	f.Add([]byte("deps"), []byte("objects"), false)
	f.Fuzz(func(t *testing.T, deps, objs []byte, nilDeps bool) {
		if nilDeps {
			deps = nil
		}
		p := transit.BlockPayload{Dependencies: deps, Objects: objs}
		want, err := transit.EncodePayload(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := encodePayload(p); !bytes.Equal(got, want) {
			t.Fatalf("fast encoding %x, want %x", got, want)
		}
	})
}

func BenchmarkEncodePayload(b *testing.B) {
	p := workload.NewProcess(1, testStart)
	blk, err := p.NextBlock(p.Streams[workload.Logs], 10_000)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(blk.Payload.Dependencies) + len(blk.Payload.Objects)))
	b.Run("transit", func(b *testing.B) {
		for b.Loop() {
			transit.EncodePayload(blk.Payload)
		}
	})
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			encodePayload(blk.Payload)
		}
	})
}
