package transit

import (
	"encoding/binary"
	"fmt"
)

// cursor reads little-endian values from the payload of one record and
// never reads past it. Errors give absolute byte offsets in the buffer.
type cursor struct {
	b    []byte // the record payload
	pos  int    // read position in b
	base int    // offset of b[0] in the parsed buffer
}

// errShort reports a read of n bytes past the end of the payload.
func (c *cursor) errShort(n int) error {
	return fmt.Errorf("need %d bytes at byte %d, only %d left in the record", n, c.base+c.pos, len(c.b)-c.pos)
}

// take returns the next n bytes.
func (c *cursor) take(n int) ([]byte, error) {
	if n < 0 || n > len(c.b)-c.pos {
		return nil, c.errShort(n)
	}
	s := c.b[c.pos : c.pos+n : c.pos+n]
	c.pos += n
	return s, nil
}

func (c *cursor) u8() (uint8, error) {
	s, err := c.take(1)
	if err != nil {
		return 0, err
	}
	return s[0], nil
}

func (c *cursor) u32() (uint32, error) {
	s, err := c.take(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(s), nil
}

func (c *cursor) u64() (uint64, error) {
	s, err := c.take(8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(s), nil
}

func (c *cursor) i64() (int64, error) {
	v, err := c.u64()
	return int64(v), err
}

// rest consumes and returns the remaining bytes.
func (c *cursor) rest() []byte {
	s := c.b[c.pos:]
	c.pos = len(c.b)
	return s
}

// offset is the absolute offset of the read position.
func (c *cursor) offset() int { return c.base + c.pos }

// dynString reads a DynString: [u8 codec][u32 byte length][bytes]. The
// length is checked against the record before anything is allocated.
// With alias, valid UTF-8 text shares the buffer's memory.
func (c *cursor) dynString(alias bool) (string, error) {
	codec, err := c.u8()
	if err != nil {
		return "", fmt.Errorf("string codec: %w", err)
	}
	n, err := c.u32()
	if err != nil {
		return "", fmt.Errorf("string length: %w", err)
	}
	at := c.offset()
	if uint64(n) > uint64(len(c.b)-c.pos) {
		return "", fmt.Errorf("string length %d at byte %d exceeds the %d bytes left in the record", n, at-4, len(c.b)-c.pos)
	}
	b, _ := c.take(int(n))
	s, err := decodeStringAlias(codec, b, alias)
	if err != nil {
		return "", fmt.Errorf("string at byte %d: %w", at, err)
	}
	return s, nil
}
