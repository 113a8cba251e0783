package transit

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Kind is the type of a decoded Value (spec 2.6: String | Object | U8 |
// U32 | U64 | I64 | F64 | None).
type Kind uint8

// The kinds of Value. The zero Value has KindNone.
const (
	KindNone Kind = iota
	KindString
	KindObject
	KindU8
	KindU32
	KindU64
	KindI64
	KindF64
)

var kindNames = [...]string{
	KindNone:   "none",
	KindString: "string",
	KindObject: "object",
	KindU8:     "u8",
	KindU32:    "u32",
	KindU64:    "u64",
	KindI64:    "i64",
	KindF64:    "f64",
}

// String returns the name of k ("u64", "string", ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one decoded transit value. Numbers are held inline (no
// allocation); strings and objects are shared, never copied, so a Value is
// cheap to copy. Values are immutable once decoded.
type Value struct {
	kind Kind
	bits uint64
	str  string
	obj  *Object
}

// StringValue returns a KindString value.
func StringValue(s string) Value { return Value{kind: KindString, str: s} }

// ObjectValue returns a KindObject value.
func ObjectValue(o *Object) Value { return Value{kind: KindObject, obj: o} }

// U8Value returns a KindU8 value.
func U8Value(v uint8) Value { return Value{kind: KindU8, bits: uint64(v)} }

// U32Value returns a KindU32 value.
func U32Value(v uint32) Value { return Value{kind: KindU32, bits: uint64(v)} }

// U64Value returns a KindU64 value.
func U64Value(v uint64) Value { return Value{kind: KindU64, bits: v} }

// I64Value returns a KindI64 value.
func I64Value(v int64) Value { return Value{kind: KindI64, bits: uint64(v)} }

// F64Value returns a KindF64 value.
func F64Value(v float64) Value { return Value{kind: KindF64, bits: math.Float64bits(v)} }

// Kind returns the kind of v.
func (v Value) Kind() Kind { return v.kind }

// IsNone reports whether v is the zero Value.
func (v Value) IsNone() bool { return v.kind == KindNone }

// Str returns the text of a KindString value.
func (v Value) Str() (string, bool) { return v.str, v.kind == KindString }

// Object returns the object of a KindObject value.
func (v Value) Object() (*Object, bool) { return v.obj, v.kind == KindObject }

// U8 returns the value of a KindU8 value.
func (v Value) U8() (uint8, bool) { return uint8(v.bits), v.kind == KindU8 }

// U32 returns a KindU32 value, or a KindU8 one widened.
func (v Value) U32() (uint32, bool) {
	return uint32(v.bits), v.kind == KindU32 || v.kind == KindU8
}

// U64 returns a KindU64 value, an unsigned one widened, or the bits of a
// KindI64 one (as the original reader does: ids and ticks travel as either).
func (v Value) U64() (uint64, bool) {
	switch v.kind {
	case KindU8, KindU32, KindU64, KindI64:
		return v.bits, true
	}
	return 0, false
}

// I64 returns a KindI64 value, an unsigned one widened, or the bits of a
// KindU64 one (as the original reader does).
func (v Value) I64() (int64, bool) {
	switch v.kind {
	case KindU8, KindU32, KindU64, KindI64:
		return int64(v.bits), true
	}
	return 0, false
}

// F64 returns the value of a KindF64 value.
func (v Value) F64() (float64, bool) {
	return math.Float64frombits(v.bits), v.kind == KindF64
}

// String formats v for debugging and error messages: u64(5), "text",
// LogMetadataRecord{id: u64(1), ...}. Shared objects are printed at each
// use, so the output is cut at maxFormatLen bytes.
func (v Value) String() string {
	var b strings.Builder
	v.format(&b, 0)
	return b.String()
}

// Limits of Value.String.
const (
	maxFormatDepth = 8
	maxFormatLen   = 4096
)

func (v Value) format(b *strings.Builder, depth int) {
	if b.Len() > maxFormatLen {
		return
	}
	switch v.kind {
	case KindNone:
		b.WriteString("none")
	case KindString:
		b.WriteString(strconv.Quote(v.str))
	case KindObject:
		if v.obj == nil {
			b.WriteString("nil")
			return
		}
		b.WriteString(v.obj.TypeName)
		if depth >= maxFormatDepth {
			b.WriteString("{...}")
			return
		}
		b.WriteByte('{')
		for i, f := range v.obj.Members {
			if i > 0 {
				b.WriteString(", ")
			}
			if b.Len() > maxFormatLen {
				b.WriteString("...")
				break
			}
			b.WriteString(f.Name)
			b.WriteString(": ")
			f.Value.format(b, depth+1)
		}
		b.WriteByte('}')
	case KindF64:
		fmt.Fprintf(b, "f64(%v)", math.Float64frombits(v.bits))
	case KindI64:
		fmt.Fprintf(b, "i64(%d)", int64(v.bits))
	default:
		fmt.Fprintf(b, "%s(%d)", v.kind, v.bits)
	}
}
