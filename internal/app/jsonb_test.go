package app

import (
	"encoding/binary"
	"maps"
	"strings"
	"testing"
)

// jsonbObject encodes string pairs as a Databend JSONB object: a header,
// the key entries, the value entries, then the key and value bytes.
func jsonbObject(kv ...string) []byte {
	n := len(kv) / 2
	b := binary.BigEndian.AppendUint32(nil, jsonbObjectTag|uint32(n))
	for i := range n {
		b = binary.BigEndian.AppendUint32(b, jsonbStringTag|uint32(len(kv[2*i])))
	}
	for i := range n {
		b = binary.BigEndian.AppendUint32(b, jsonbStringTag|uint32(len(kv[2*i+1])))
	}
	for i := range n {
		b = append(b, kv[2*i]...)
	}
	for i := range n {
		b = append(b, kv[2*i+1]...)
	}
	return b
}

func TestDecodeJSONBObject(t *testing.T) {
	got, err := decodeJSONBObject(jsonbObject("thread-name", "main", "k", ""))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"thread-name": "main", "k": ""}; !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if m, err := decodeJSONBObject(nil); err != nil || len(m) != 0 {
		t.Errorf("empty value: %v, %v", m, err)
	}
	bad := []struct {
		name string
		b    []byte
		want string
	}{
		{"short", []byte{1, 2}, "too short"},
		{"array", binary.BigEndian.AppendUint32(nil, 0x80000001), "not an object"},
		{"overrun", jsonbObject("key", "value")[:18], "overruns"},
		{"number", func() []byte {
			b := jsonbObject("k", "v")
			binary.BigEndian.PutUint32(b[8:], 0x20000001)
			return b
		}(), "not a string"},
	}
	for _, c := range bad {
		if _, err := decodeJSONBObject(c.b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
}
