package perfetto

// DefaultChunkSize is the size of the chunks of perfetto_trace_chunks, as
// the original.
const DefaultChunkSize = 8 << 10

// ChunkWriter cuts what is written to it into chunks of Size bytes (the
// last one may be shorter) and hands them, numbered from 0, to Emit. The
// concatenated chunks are the trace. Call Close to emit the last chunk.
type ChunkWriter struct {
	Size int // DefaultChunkSize when zero
	Emit func(id int32, chunk []byte) error

	buf  []byte
	next int32
}

// Write buffers p and emits every full chunk.
func (c *ChunkWriter) Write(p []byte) (int, error) {
	size := c.Size
	if size <= 0 {
		size = DefaultChunkSize
	}
	n := len(p)
	for len(p) > 0 {
		k := min(size-len(c.buf), len(p))
		c.buf = append(c.buf, p[:k]...)
		p = p[k:]
		if len(c.buf) == size {
			if err := c.emit(); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

// Close emits the last partial chunk.
func (c *ChunkWriter) Close() error {
	if len(c.buf) == 0 {
		return nil
	}
	return c.emit()
}

func (c *ChunkWriter) emit() error {
	chunk := c.buf
	c.buf = nil
	id := c.next
	c.next++
	return c.Emit(id, chunk)
}
