package app

import (
	"encoding/binary"
	"fmt"
)

// Databend JSONB constants (crate jsonb 0.5, the original's property format).
const (
	jsonbContainerTypeMask = 0xE0000000
	jsonbContainerLenMask  = 0x1FFFFFFF
	jsonbObjectTag         = 0x40000000
	jsonbEntryTypeMask     = 0x70000000
	jsonbEntryLenMask      = 0x0FFFFFFF
	jsonbEntryOffsetFlag   = 0x80000000
	jsonbNullTag           = 0x00000000
	jsonbStringTag         = 0x10000000
	jsonbFalseTag          = 0x30000000
	jsonbTrueTag           = 0x40000000
)

// decodeJSONBObject decodes a Databend JSONB object whose values are
// strings (booleans and nulls are turned into "true", "false" and ""),
// as the original stores properties.
func decodeJSONBObject(b []byte) (map[string]string, error) {
	if len(b) == 0 {
		return map[string]string{}, nil
	}
	if len(b) < 4 {
		return nil, fmt.Errorf("JSONB value of %d bytes is too short", len(b))
	}
	header := binary.BigEndian.Uint32(b)
	if header&jsonbContainerTypeMask != jsonbObjectTag {
		return nil, fmt.Errorf("JSONB value is not an object (header %#x)", header)
	}
	n := int(header & jsonbContainerLenMask)
	entries := 4
	data := entries + 8*n
	if n > len(b) || data > len(b) {
		return nil, fmt.Errorf("JSONB object of %d entries does not fit in %d bytes", n, len(b))
	}
	items := make([]string, 2*n)
	pos := data
	for k := range 2 * n {
		e := binary.BigEndian.Uint32(b[entries+4*k:])
		size := int(e & jsonbEntryLenMask)
		if e&jsonbEntryOffsetFlag != 0 {
			size = data + size - pos // an end offset, not a length
		}
		if size < 0 || pos+size > len(b) {
			return nil, fmt.Errorf("JSONB entry %d overruns the value", k)
		}
		switch e & jsonbEntryTypeMask {
		case jsonbStringTag:
			items[k] = string(b[pos : pos+size])
		case jsonbTrueTag:
			items[k] = "true"
		case jsonbFalseTag:
			items[k] = "false"
		case jsonbNullTag:
			items[k] = ""
		default:
			return nil, fmt.Errorf("JSONB entry %d is not a string (type %#x): properties must be strings", k, e&jsonbEntryTypeMask)
		}
		pos += size
	}
	m := make(map[string]string, n)
	for i := range n {
		m[items[i]] = items[n+i]
	}
	return m, nil
}
