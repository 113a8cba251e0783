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
