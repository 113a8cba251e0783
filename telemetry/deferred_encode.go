package telemetry

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unsafe"
)

// rewriteDeferred returns the events of a log block with every deferred
// event (deferred.go) replaced by the LogStringEventV2 or TaggedLogString
// that formatting at the call would have written; the other events are
// copied as they are. The result is built in e.rewritten.
func (e *encoder) rewriteDeferred(objs []byte) ([]byte, error) {
	le := binary.LittleEndian
	out := e.rewritten[:0]
	for i := 0; i < len(objs); {
		next := i + logStaticSize
		if objs[i] != logStaticStrEvent {
			next = i + 5 + int(le.Uint32(objs[i+1:])) // extract checked the sizes
		}
		if objs[i] != logDeferredEvent {
			out = append(out, objs[i:next]...)
			i = next
			continue
		}
		ev := objs[i:next]
		if len(ev) < deferredHeader {
			return nil, fmt.Errorf("deferred log event at byte %d: %d bytes", i, len(ev))
		}
		site, ok := e.items[le.Uint64(ev[5:])].(*LogSite)
		if !ok {
			return nil, fmt.Errorf("deferred log event at byte %d: metadata %d is not a log site", i, le.Uint64(ev[5:]))
		}
		props, t := le.Uint64(ev[13:]), le.Uint64(ev[21:])
		header := logStringHeader
		if props != 0 {
			header = taggedLogHeader
		}
		at := len(out)
		out = append(out, make([]byte, header+dynStringHeader)...)
		var err error
		if out, err = appendDeferred(out, site, ev[deferredHeader:], int(ev[29])); err != nil {
			return nil, fmt.Errorf("deferred log event at byte %d: %w", i, err)
		}
		if limit := e.logLimit - header - dynStringHeader; len(out)-at-header-dynStringHeader > limit {
			out = out[:at+header+dynStringHeader+len(truncateUTF8(out[at+header+dynStringHeader:], limit))]
		}
		h := out[at:]
		size := len(h)
		putU32(h[1:], uint32(size-5))
		putU64(h[5:], site.id)
		if props == 0 {
			h[0] = logStringEventV2
			putU64(h[13:], t)
		} else {
			h[0] = taggedLogString
			putU64(h[13:], props)
			putU64(h[21:], t)
		}
		d := h[header:]
		d[0] = 2 // utf8
		putU32(d[1:], uint32(size-header-dynStringHeader))
		i = next
	}
	e.rewritten = out
	return out, nil
}

// deferredArg is one decoded argument of a deferred event.
type deferredArg struct {
	kind uint8
	bits uint64 // int64, uint64 or float64 bits, or the bool
	str  []byte // the bytes of a string, in the block
}

// decodeArg decodes the argument at the start of p and returns the bytes
// it takes, 0 when p does not start with a valid argument.
func decodeArg(p []byte, a *deferredArg) int {
	if len(p) < 2 {
		return 0
	}
	a.kind = p[0]
	switch {
	case a.kind == argString:
		if len(p) < 3 {
			return 0
		}
		n := 3 + (int(p[1]) | int(p[2])<<8)
		if len(p) < n {
			return 0
		}
		a.str = p[3:n]
		return n
	case a.kind == argBool:
		a.bits = uint64(p[1])
		return 2
	case a.kind >= argInt && a.kind <= argFloat64 && len(p) >= 9:
		a.bits = binary.LittleEndian.Uint64(p[1:])
		return 9
	}
	return 0
}

// errDeferredArg reports a deferred event whose arguments do not decode.
var errDeferredArg = errors.New("bad argument")

// appendDeferred appends the message of a deferred event: by the site's
// plan, as appendPlan would have at the call, or, should the plan refuse
// (the call checks it does not), by fmt with values of the arguments'
// original types.
func appendDeferred(b []byte, s *LogSite, p []byte, nargs int) ([]byte, error) {
	start := len(b)
	at, n, ok := 0, 0, true
	for i := range s.plan {
		op := &s.plan[i]
		b = append(b, op.lit...)
		if op.verb == 0 {
			continue
		}
		if n >= nargs {
			ok = false
			break
		}
		var a deferredArg
		size := decodeArg(p[at:], &a)
		if size == 0 {
			return b, errDeferredArg
		}
		at += size
		if b, ok = a.appendTo(b, op.verb, op.prec); !ok {
			break
		}
		n++
	}
	if ok && n == nargs {
		return b, nil
	}
	args := make([]any, 0, nargs)
	for at = 0; len(args) < nargs; {
		var a deferredArg
		size := decodeArg(p[at:], &a)
		if size == 0 {
			return b, errDeferredArg
		}
		at += size
		args = append(args, a.value())
	}
	return fmt.Appendf(b[:start], s.format, args...), nil
}

// appendTo formats the argument as appendArg formats its value.
func (a *deferredArg) appendTo(b []byte, verb byte, prec int) ([]byte, bool) {
	switch a.kind {
	case argString:
		if len(a.str) == 0 {
			return appendString(b, verb, "")
		}
		// The block does not change while it is encoded.
		return appendString(b, verb, unsafe.String(&a.str[0], len(a.str)))
	case argBool:
		if verb != 't' && verb != 'v' {
			return b, false
		}
		return strconv.AppendBool(b, a.bits != 0), true
	case argFloat32:
		return appendFloat(b, verb, prec, math.Float64frombits(a.bits), 32)
	case argFloat64:
		return appendFloat(b, verb, prec, math.Float64frombits(a.bits), 64)
	case argUint, argUint8, argUint16, argUint32, argUint64, argUintptr:
		return appendUint(b, verb, a.bits)
	}
	return appendInt(b, verb, int64(a.bits))
}

// value returns the argument as the value of its original type.
func (a *deferredArg) value() any {
	switch a.kind {
	case argInt:
		return int(int64(a.bits))
	case argInt8:
		return int8(int64(a.bits))
	case argInt16:
		return int16(int64(a.bits))
	case argInt32:
		return int32(int64(a.bits))
	case argInt64:
		return int64(a.bits)
	case argUint:
		return uint(a.bits)
	case argUint8:
		return uint8(a.bits)
	case argUint16:
		return uint16(a.bits)
	case argUint32:
		return uint32(a.bits)
	case argUint64:
		return a.bits
	case argUintptr:
		return uintptr(a.bits)
	case argFloat32:
		return float32(math.Float64frombits(a.bits))
	case argFloat64:
		return math.Float64frombits(a.bits)
	case argBool:
		return a.bits != 0
	}
	return string(a.str)
}
