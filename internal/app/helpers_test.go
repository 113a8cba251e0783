package app

import (
	"github.com/fxamacker/cbor/v2"
)

func cborMap(kv ...string) []byte {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	b, err := cbor.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}
