package transit

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/pierrec/lz4/v4"
)

// MaxDecompressedSize bounds the size of one decompressed buffer, so a
// small hostile payload cannot make a reader allocate without bound.
const MaxDecompressedSize = 1 << 30

// lz4FrameMagic starts every LZ4 frame.
const lz4FrameMagic = 0x184D2204

// Compress appends the LZ4 frame of src to dst (spec 2.6: each buffer is a
// separate frame).
func Compress(dst, src []byte) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	w := lz4.NewWriter(buf)
	if err := w.Apply(lz4.BlockChecksumOption(false), lz4.ChecksumOption(true)); err != nil {
		return nil, fmt.Errorf("lz4 options: %w", err)
	}
	if _, err := w.Write(src); err != nil {
		return nil, fmt.Errorf("lz4 compress: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("lz4 compress: %w", err)
	}
	return buf.Bytes(), nil
}

// Decompress decodes one LZ4 frame, refusing output larger than
// MaxDecompressedSize.
func Decompress(src []byte) ([]byte, error) {
	if err := checkLZ4Frame(src); err != nil {
		return nil, err
	}
	r := lz4.NewReader(bytes.NewReader(src))
	var out bytes.Buffer
	n, err := io.Copy(&out, io.LimitReader(r, MaxDecompressedSize+1))
	if err != nil {
		return nil, fmt.Errorf("lz4 decompress: %w", err)
	}
	if n > MaxDecompressedSize {
		return nil, fmt.Errorf("lz4 decompress: output exceeds %d bytes", MaxDecompressedSize)
	}
	return out.Bytes(), nil
}

// checkLZ4Frame checks the frame magic number, a cheap test that a buffer
// is an LZ4 frame at all.
func checkLZ4Frame(b []byte) error {
	if len(b) < 7 {
		return fmt.Errorf("not an LZ4 frame: %d bytes", len(b))
	}
	if m := binary.LittleEndian.Uint32(b); m != lz4FrameMagic {
		return fmt.Errorf("not an LZ4 frame: magic %#x, want %#x", m, lz4FrameMagic)
	}
	return nil
}
