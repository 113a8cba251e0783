package transit

import (
	"github.com/fxamacker/cbor/v2"
)

// decMode is the CBOR decoder used for everything that comes from the
// network: bounded nesting and lengths, unknown fields ignored (newer
// clients may send more).
var decMode = func() cbor.DecMode {
	m, err := cbor.DecOptions{
		MaxNestedLevels:  32,
		MaxArrayElements: 256 << 20,
		MaxMapPairs:      1 << 20,
		IndefLength:      cbor.IndefLengthAllowed,
		DupMapKey:        cbor.DupMapKeyQuiet,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return m
}()

// encMode encodes byte slices as CBOR byte strings.
var encMode = func() cbor.EncMode {
	m, err := cbor.EncOptions{}.EncMode()
	if err != nil {
		panic(err)
	}
	return m
}()
