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
// separate frame). The frame declares the smallest LZ4 block size that
// holds src (64 KB to 4 MB): a reader allocates a buffer of that size, so
// small buffers stay cheap to decompress.
func Compress(dst, src []byte) ([]byte, error) {
	size := lz4.Block4Mb
	for _, s := range []lz4.BlockSize{lz4.Block64Kb, lz4.Block256Kb, lz4.Block1Mb} {
		if len(src) <= int(s) {
			size = s
			break
		}
	}
	buf := bytes.NewBuffer(dst)
	w := lz4.NewWriter(buf)
	if err := w.Apply(lz4.BlockSizeOption(size), lz4.BlockChecksumOption(false), lz4.ChecksumOption(true)); err != nil {
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
	var d Decompressor
	return d.decompress(src, nil)
}

// Decompressor decodes LZ4 frames as Decompress does, reusing its reader
// and output buffer from one frame to the next. The buffer returned by
// Decompress is overwritten by the next call. The zero value is ready;
// it is not safe for concurrent use.
type Decompressor struct {
	r   *lz4.Reader
	src bytes.Reader
	out []byte
}

// Decompress decodes src into the decompressor's buffer.
func (d *Decompressor) Decompress(src []byte) ([]byte, error) {
	out, err := d.decompress(src, d.out[:0])
	if err != nil {
		return nil, err
	}
	d.out = out
	return out, nil
}

func (d *Decompressor) decompress(src, dst []byte) ([]byte, error) {
	if err := checkLZ4Frame(src); err != nil {
		return nil, err
	}
	d.src.Reset(src)
	if d.r == nil {
		d.r = lz4.NewReader(&d.src)
	} else {
		d.r.Reset(&d.src)
	}
	out := bytes.NewBuffer(dst)
	n, err := io.Copy(out, io.LimitReader(d.r, MaxDecompressedSize+1))
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
