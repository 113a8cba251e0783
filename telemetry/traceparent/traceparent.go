// Package traceparent reads and writes W3C Trace Context traceparent
// headers ("00-<trace id>-<parent id>-<flags>"), so that the requests
// recorded by telemetry/httptrace and telemetry/grpctrace carry the trace
// id of the OpenTelemetry traces they belong to, and pass it on.
package traceparent

import (
	"context"
	"encoding/hex"
	"math/rand/v2"
)

// Header is the name of the HTTP header (and gRPC metadata key).
const Header = "traceparent"

// TraceContext is the trace a request belongs to and the id of the span
// that made it.
type TraceContext struct {
	TraceID [16]byte
	SpanID  [8]byte
	Flags   byte // bit 0: sampled
}

// Valid reports whether tc has a trace id and a span id (all-zero ids are
// invalid, as W3C says).
func (tc TraceContext) Valid() bool { return tc.TraceID != [16]byte{} && tc.SpanID != [8]byte{} }

// New starts a new trace (sampled), with random ids.
func New() TraceContext {
	var tc TraceContext
	putRandom(tc.TraceID[:8])
	putRandom(tc.TraceID[8:])
	putRandom(tc.SpanID[:])
	tc.Flags = 1
	return tc
}

// Child returns the context of a span made within tc: same trace and
// flags, a new span id. A zero tc starts a new trace.
func (tc TraceContext) Child() TraceContext {
	if !tc.Valid() {
		return New()
	}
	putRandom(tc.SpanID[:])
	return tc
}

func putRandom(b []byte) {
	for {
		v := rand.Uint64()
		if v == 0 {
			continue
		}
		for i := range b {
			b[i] = byte(v >> (8 * i))
		}
		return
	}
}

// Parse reads a traceparent header value; ok is false when it is not a
// valid version-00 (or later, read as 00) value.
func Parse(s string) (tc TraceContext, ok bool) {
	// 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
	if len(s) < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-' || (len(s) > 55 && s[55] != '-') {
		return TraceContext{}, false
	}
	var ver [1]byte
	if !decodeHex(ver[:], s[0:2]) || ver[0] == 0xff || (ver[0] == 0 && len(s) != 55) {
		return TraceContext{}, false
	}
	var flags [1]byte
	if !decodeHex(tc.TraceID[:], s[3:35]) || !decodeHex(tc.SpanID[:], s[36:52]) || !decodeHex(flags[:], s[53:55]) {
		return TraceContext{}, false
	}
	tc.Flags = flags[0]
	if !tc.Valid() {
		return TraceContext{}, false
	}
	return tc, true
}

// decodeHex decodes lowercase hex (W3C forbids uppercase) into dst.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := nibble(s[2*i])
		lo, ok2 := nibble(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func nibble(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// Append appends the header value of tc to dst.
func (tc TraceContext) Append(dst []byte) []byte {
	dst = append(dst, "00-"...)
	dst = hex.AppendEncode(dst, tc.TraceID[:])
	dst = append(dst, '-')
	dst = hex.AppendEncode(dst, tc.SpanID[:])
	dst = append(dst, '-')
	return hex.AppendEncode(dst, []byte{tc.Flags})
}

// String returns the header value of tc.
func (tc TraceContext) String() string { return string(tc.Append(make([]byte, 0, 55))) }

// AppendTraceID appends the trace id as 32 hex digits.
func (tc TraceContext) AppendTraceID(dst []byte) []byte { return hex.AppendEncode(dst, tc.TraceID[:]) }

// TraceIDString returns the trace id as 32 hex digits.
func (tc TraceContext) TraceIDString() string { return hex.EncodeToString(tc.TraceID[:]) }

type key struct{}

// valueCtx carries a TraceContext in one allocation (context.WithValue
// takes two: the context and the boxed value).
type valueCtx struct {
	context.Context
	tc TraceContext
}

// Value returns the trace context for this package's key.
func (c *valueCtx) Value(k any) any {
	if k == (key{}) {
		return &c.tc
	}
	return c.Context.Value(k)
}

// NewContext returns a copy of ctx carrying tc.
func NewContext(ctx context.Context, tc TraceContext) context.Context {
	return &valueCtx{Context: ctx, tc: tc}
}

// FromContext returns the trace context carried by ctx.
func FromContext(ctx context.Context) (TraceContext, bool) {
	if p, ok := ctx.Value(key{}).(*TraceContext); ok {
		return *p, true
	}
	return TraceContext{}, false
}
