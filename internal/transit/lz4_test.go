package transit

import (
	"bytes"
	"testing"
)

// TestDecompressorReuse checks that a Decompressor gives what Decompress
// gives, frame after frame, including after a bad frame.
func TestDecompressorReuse(t *testing.T) {
	frames := [][]byte{
		bytes.Repeat([]byte("span event "), 5000),
		[]byte("short"),
		{},
		bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7}, 100000),
	}
	var d Decompressor
	for i, raw := range frames {
		z, err := Compress(nil, raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Decompress(z[:len(z)-6]); err == nil {
			t.Fatalf("frame %d: a truncated frame decompressed", i)
		}
		got, err := d.Decompress(z)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		want, err := Decompress(z)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !bytes.Equal(got, raw) || !bytes.Equal(want, raw) {
			t.Fatalf("frame %d: Decompressor gave %d bytes, Decompress %d, want %d", i, len(got), len(want), len(raw))
		}
	}
}

// TestCompressBlockSize checks the LZ4 block size each frame declares
// (BD byte, bits 4–6: 4 = 64 KB … 7 = 4 MB): the smallest that holds the
// buffer, and that every frame decompresses back.
func TestCompressBlockSize(t *testing.T) {
	for _, c := range []struct {
		size int
		want byte
	}{
		{0, 4}, {64 << 10, 4}, {64<<10 + 1, 5}, {256 << 10, 5}, {1 << 20, 6}, {1<<20 + 1, 7}, {5 << 20, 7},
	} {
		raw := bytes.Repeat([]byte("x"), c.size)
		z, err := Compress(nil, raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := z[5] >> 4 & 7; got != c.want {
			t.Errorf("%d bytes: block size code %d, want %d", c.size, got, c.want)
		}
		back, err := Decompress(z)
		if err != nil || !bytes.Equal(back, raw) {
			t.Errorf("%d bytes: round trip: %v", c.size, err)
		}
	}
}
