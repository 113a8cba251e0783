package telemetry

import (
	"math"
	"math/bits"
)

// Deferred formatting. When a site's plan is usable and every argument of
// Logf is a plain int, uint, float, bool or string (exact types, no named
// ones), the calling goroutine does not format: it writes a compact
// internal event (site, properties, time and the raw argument values,
// strings copied) into the log buffer, and the encoder formats it with the
// site's plan into the LogStringEventV2 or TaggedLogString it would have
// written (deferred_encode.go). The values are copies, so what the server
// receives is what formatting at the call would have given. Byte slices,
// errors and Stringers are formatted at the call: their contents or
// methods could give another text later.
//
// The internal event is never sent: the encoder rewrites every block that
// holds one. Its layout is [u8 logDeferredEvent][u32 size][u64 site]
// [u64 properties or 0][i64 time][u8 nargs] then per argument [u8 kind]
// and 8 bytes (numbers: int64, uint64 or float64 bits), 1 byte (bool) or
// [u16 length][bytes] (string). The event reserves at least the size of
// the wire event it becomes, so that a block never grows when it is
// rewritten and the buffer sizes keep bounding the blocks.

// logDeferredEvent is the internal type index of a deferred Logf event; it
// is outside the object types declared for the log stream.
const logDeferredEvent = 0xF0

const (
	deferredHeader = 1 + 4 + 8 + 8 + 8 + 1
	// maxDeferredSize bounds the bytes a deferred event reserves; a call
	// that needs more (long strings, many arguments) formats at the call.
	maxDeferredSize = 512
	// maxDeferredArgs bounds the arguments of a deferred call.
	maxDeferredArgs = 8
)

// Argument kinds of a deferred event: the exact Go type, so that the
// encoder can give fmt the same values if it ever needs it.
const (
	argInt uint8 = iota + 1
	argInt8
	argInt16
	argInt32
	argInt64
	argUint
	argUint8
	argUint16
	argUint32
	argUint64
	argUintptr
	argFloat32
	argFloat64
	argString
	argBool
)

// Kind groups, as bits of deferOp.accepts.
const (
	groupSigned uint8 = 1 << iota
	groupUnsigned
	groupFloat
	groupString
	groupBool
)

// deferOp is the verb a plan applies to one argument, with the kinds the
// plan formats for that verb (anything else would fall back to fmt, so the
// call is formatted at once).
type deferOp struct {
	verb    byte
	prec    int
	accepts uint8
}

// deferPlan derives, from a plan, the per-argument verbs and the length
// of the literal text.
func deferPlan(plan []fmtOp) (ops []deferOp, litLen int) {
	for _, op := range plan {
		litLen += len(op.lit)
		if op.verb == 0 {
			continue
		}
		var acc uint8
		switch op.verb {
		case 'v':
			acc = groupSigned | groupUnsigned | groupFloat | groupString | groupBool
		case 'd':
			acc = groupSigned | groupUnsigned
		case 'x', 'X':
			acc = groupSigned | groupUnsigned | groupString
		case 's', 'q':
			acc = groupString
		case 't':
			acc = groupBool
		case 'f', 'F', 'e', 'g':
			acc = groupFloat
		}
		ops = append(ops, deferOp{verb: op.verb, prec: op.prec, accepts: acc})
	}
	return ops, litLen
}

// deferredArgs are the arguments of a call as deferredSize found them:
// their kinds and, for the numbers and bools, their values.
type deferredArgs struct {
	kinds [maxDeferredArgs]uint8
	vals  [maxDeferredArgs]uint64
}

// argKind returns the kind of a, its group and its value (int64, uint64,
// float64 bits or the bool; strings are taken again when written); kind
// 0 when a cannot be deferred.
func argKind(a any) (kind, group uint8, val uint64) {
	switch v := a.(type) {
	case int:
		return argInt, groupSigned, uint64(v)
	case string:
		return argString, groupString, uint64(len(v))
	case float64:
		return argFloat64, groupFloat, math.Float64bits(v)
	case int64:
		return argInt64, groupSigned, uint64(v)
	case uint64:
		return argUint64, groupUnsigned, v
	case bool:
		if v {
			return argBool, groupBool, 1
		}
		return argBool, groupBool, 0
	case int32:
		return argInt32, groupSigned, uint64(v)
	case uint32:
		return argUint32, groupUnsigned, uint64(v)
	case float32:
		return argFloat32, groupFloat, math.Float64bits(float64(v)) // exact
	case uint:
		return argUint, groupUnsigned, uint64(v)
	case int16:
		return argInt16, groupSigned, uint64(v)
	case int8:
		return argInt8, groupSigned, uint64(v)
	case uint16:
		return argUint16, groupUnsigned, uint64(v)
	case uint8:
		return argUint8, groupUnsigned, uint64(v)
	case uintptr:
		return argUintptr, groupUnsigned, uint64(v)
	}
	return 0, 0, 0
}

// pow10 holds the powers of ten that fit a uint64.
var pow10 = [20]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// decDigits returns the number of decimal digits of u.
func decDigits(u uint64) int {
	n := bits.Len64(u) * 1233 >> 12 // about log10(2) × bit length
	if u >= pow10[n] {
		n++
	}
	return max(n, 1)
}

// signedDigits bounds the bytes a signed integer takes in text: its sign
// and decimal digits (hex has no more digits than decimal).
func signedDigits(v int64) int {
	if v < 0 {
		return 1 + decDigits(-uint64(v))
	}
	return decDigits(uint64(v))
}

// argSizes returns the bytes an argument takes in a deferred event (raw)
// and a bound of the bytes the plan writes for it (wire).
func argSizes(op *deferOp, kind, group uint8, val uint64) (raw, wire int) {
	switch group {
	case groupSigned:
		return 9, signedDigits(int64(val))
	case groupUnsigned:
		return 9, decDigits(val)
	case groupBool:
		return 2, 5
	case groupString:
		n := int(val)
		switch op.verb {
		case 'q':
			return 3 + n, 2 + 4*n // \xff for each byte at most
		case 'x', 'X':
			return 3 + n, 2 * n
		}
		return 3 + n, n
	}
	prec := op.prec
	if prec < 0 {
		prec = 17
	}
	if op.verb != 'f' && op.verb != 'F' {
		return 9, prec + 10 // sign, point, e-308 and one more digit
	}
	// %f: the integer digits follow from the binary exponent.
	exp := int((val>>52)&0x7ff) - 1023
	digits := 1
	if exp >= 0 {
		digits = (exp+1)*78/256 + 1
	}
	return 9, 2 + digits + prec
}

// finite reports whether a float argument is neither infinite nor NaN
// (the plan leaves those to fmt).
func finite(bits uint64) bool { return (bits>>52)&0x7ff != 0x7ff }

// logDeferred writes a deferred event for args and reports true, or
// reports false when the call must be formatted at once.
func (s *LogSite) logDeferred(sys *system, t int64, props *PropertySet, args []any) bool {
	var da deferredArgs
	size := s.deferredSize(sys.capacity[kindLog], props, args, &da)
	if size == 0 {
		return false
	}
	sh, pid := sys.acquireShard()
	w := &sh.writers[kindLog]
	s.writeDeferred(w.reserve(size), t, props, &da, args)
	w.commit(size)
	sys.releaseShard(pid)
	if s.level <= sys.triggerLevel {
		sys.keepRecent(TriggerLog)
	}
	return true
}

// logDeferred1 is logDeferred for the most common call, one argument: the
// same event, without the per-argument arrays and loops (logf chooses).
func (s *LogSite) logDeferred1(sys *system, t int64, props *PropertySet, a any) bool {
	size, kind, val := s.deferredSize1(sys.capacity[kindLog], props, a)
	if size == 0 {
		return false
	}
	sh, pid := sys.acquireShard()
	w := &sh.writers[kindLog]
	b := w.reserve(size)
	s.putDeferredHeader(b, t, props, 1)
	putDeferredArg(b[deferredHeader:], kind, val, a)
	w.commit(size)
	sys.releaseShard(pid)
	if s.level <= sys.triggerLevel {
		sys.keepRecent(TriggerLog)
	}
	return true
}

// deferredSize1 is deferredSize for one argument: the same size (0 when
// the call must be formatted at once), with the argument's kind and value.
func (s *LogSite) deferredSize1(capacity int, props *PropertySet, a any) (size int, kind uint8, val uint64) {
	if !s.planOK || len(s.deferOps) != 1 {
		return 0, 0, 0
	}
	op := &s.deferOps[0]
	if v, ok := a.(int); ok && op.accepts&groupSigned != 0 {
		// The most common argument: one comparison, sizes inline.
		kind, val = argInt, uint64(v)
		size = max(deferredHeader+9, s.wireBase(props)+signedDigits(int64(v)))
	} else {
		var group uint8
		kind, group, val = argKind(a)
		if op.accepts&group == 0 || group == groupFloat && !finite(val) {
			return 0, 0, 0
		}
		raw, wire := argSizes(op, kind, group, val)
		size = max(deferredHeader+raw, s.wireBase(props)+wire)
	}
	if size > maxDeferredSize || size > capacity-maxObjectSize {
		return 0, 0, 0
	}
	return size, kind, val
}

// wireBase returns the bytes of the wire event a deferred event becomes,
// before its arguments' text.
func (s *LogSite) wireBase(props *PropertySet) int {
	if props != nil {
		return taggedLogHeader + dynStringHeader + s.litLen
	}
	return logStringHeader + dynStringHeader + s.litLen
}

// deferredSize returns the bytes a deferred event for args reserves in a
// log buffer of capacity bytes, filling da, or 0 when the call must be
// formatted at once.
func (s *LogSite) deferredSize(capacity int, props *PropertySet, args []any, da *deferredArgs) int {
	ops := s.deferOps
	if !s.planOK || len(args) != len(ops) || len(args) > maxDeferredArgs {
		return 0
	}
	raw, wire := deferredHeader, s.wireBase(props)
	for i, a := range args {
		kind, group, val := argKind(a)
		op := &ops[i]
		if op.accepts&group == 0 || group == groupFloat && !finite(val) {
			return 0
		}
		da.kinds[i], da.vals[i] = kind, val
		r, w := argSizes(op, kind, group, val)
		raw += r
		wire += w
	}
	size := max(raw, wire)
	if size > maxDeferredSize || size > capacity-maxObjectSize {
		return 0
	}
	return size
}

// writeDeferred writes a deferred event into b, of the size deferredSize
// returned.
func (s *LogSite) writeDeferred(b []byte, t int64, props *PropertySet, da *deferredArgs, args []any) {
	s.putDeferredHeader(b, t, props, len(args))
	p := b[deferredHeader:]
	for i, a := range args {
		p = putDeferredArg(p, da.kinds[i], da.vals[i], a)
	}
}

// putDeferredHeader writes the header of a deferred event filling b.
func (s *LogSite) putDeferredHeader(b []byte, t int64, props *PropertySet, nargs int) {
	var propsID uint64
	if props != nil {
		propsID = props.id
	}
	b[0] = logDeferredEvent
	putU32(b[1:], uint32(len(b)-5))
	putU64(b[5:], s.id)
	putU64(b[13:], propsID)
	putI64(b[21:], t)
	b[29] = uint8(nargs)
}

// putDeferredArg writes argument a, of the kind and value argKind gave,
// at the beginning of p and returns the rest of p.
func putDeferredArg(p []byte, kind uint8, val uint64, a any) []byte {
	p[0] = kind
	switch kind {
	case argString:
		v := a.(string)
		p[1], p[2] = byte(len(v)), byte(len(v)>>8)
		copy(p[3:], v)
		return p[3+len(v):]
	case argBool:
		p[1] = byte(val)
		return p[2:]
	}
	putU64(p[1:], val)
	return p[9:]
}
