package telemetry

import (
	"fmt"
	"math"
	"strconv"
)

// Logf formats in the calling goroutine with a formatter of its own for
// the common cases, and with fmt for the rest. A site's format is parsed
// once, when the site is made, into a plan: literal text and verbs. The
// plan handles the verbs %v %d %s %q %x %X %t %f %e %g (with a precision
// for the float verbs, as in %.2f) and %%, applied to the basic types
// (integers, floats, strings, byte slices, bools), errors and
// fmt.Stringers, and gives the same text as fmt. Any other format or
// argument (a flag, a width, an argument index, a Formatter, a named
// basic type, a missing or extra argument, a method that panics) makes the
// call fall back to fmt.Appendf, so the text is always fmt's.

// fmtOp is one step of a plan: literal text, then a verb (0 for none).
type fmtOp struct {
	lit  string
	verb byte
	prec int // -1: none
}

// parseFormat returns the plan of format, or ok false when the format
// uses something the plan does not handle.
func parseFormat(format string) (ops []fmtOp, ok bool) {
	var lit []byte
	for i := 0; i < len(format); {
		c := format[i]
		if c != '%' {
			lit = append(lit, c)
			i++
			continue
		}
		i++
		if i >= len(format) {
			return nil, false
		}
		prec := -1
		if format[i] == '.' {
			j := i + 1
			for j < len(format) && format[j] >= '0' && format[j] <= '9' && j-i <= 3 {
				j++
			}
			if j == i+1 || j >= len(format) {
				return nil, false
			}
			prec, _ = strconv.Atoi(format[i+1 : j])
			i = j
		}
		verb := format[i]
		i++
		switch verb {
		case '%':
			if prec >= 0 {
				return nil, false
			}
			lit = append(lit, '%')
			continue
		case 'f', 'F', 'e', 'g':
		case 'v', 'd', 's', 'q', 'x', 'X', 't':
			if prec >= 0 {
				return nil, false
			}
		default:
			return nil, false
		}
		ops = append(ops, fmtOp{lit: string(lit), verb: verb, prec: prec})
		lit = lit[:0]
	}
	if len(lit) > 0 || len(ops) == 0 {
		ops = append(ops, fmtOp{lit: string(lit)})
	}
	return ops, true
}

// appendPlan formats args after b by the plan, and reports false when the
// plan cannot give fmt's text for these arguments.
func appendPlan(b []byte, ops []fmtOp, args []any) ([]byte, bool) {
	n := 0
	for i := range ops {
		op := &ops[i]
		b = append(b, op.lit...)
		if op.verb == 0 {
			continue
		}
		if n >= len(args) {
			return b, false
		}
		var ok bool
		b, ok = appendArg(b, op.verb, op.prec, args[n])
		if !ok {
			return b, false
		}
		n++
	}
	return b, n == len(args)
}

// appendArg formats one argument; see appendPlan.
func appendArg(b []byte, verb byte, prec int, a any) ([]byte, bool) {
	switch v := a.(type) {
	case int:
		return appendInt(b, verb, int64(v))
	case int64:
		return appendInt(b, verb, v)
	case int32:
		return appendInt(b, verb, int64(v))
	case int16:
		return appendInt(b, verb, int64(v))
	case int8:
		return appendInt(b, verb, int64(v))
	case uint:
		return appendUint(b, verb, uint64(v))
	case uint64:
		return appendUint(b, verb, v)
	case uint32:
		return appendUint(b, verb, uint64(v))
	case uint16:
		return appendUint(b, verb, uint64(v))
	case uint8:
		return appendUint(b, verb, uint64(v))
	case uintptr:
		return appendUint(b, verb, uint64(v))
	case float64:
		return appendFloat(b, verb, prec, v, 64)
	case float32:
		return appendFloat(b, verb, prec, float64(v), 32)
	case string:
		return appendString(b, verb, v)
	case []byte:
		if verb == 'v' || verb == 'q' {
			return b, false
		}
		return appendString(b, verb, v)
	case bool:
		if verb != 't' && verb != 'v' {
			return b, false
		}
		return strconv.AppendBool(b, v), true
	case fmt.Formatter:
		return b, false
	case error:
		if !stringVerb(verb) {
			return b, false
		}
		s, ok := callError(v)
		if !ok {
			return b, false
		}
		return appendString(b, verb, s)
	case fmt.Stringer:
		if !stringVerb(verb) {
			return b, false
		}
		s, ok := callString(v)
		if !ok {
			return b, false
		}
		return appendString(b, verb, s)
	}
	return b, false
}

// stringVerb reports whether fmt formats an error or a Stringer with its
// method for this verb.
func stringVerb(verb byte) bool {
	switch verb {
	case 'v', 's', 'q', 'x', 'X':
		return true
	}
	return false
}

// callError and callString report false when the method panics; fmt then
// formats the argument and prints the panic as it does.
func callError(e error) (s string, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return e.Error(), true
}

func callString(v fmt.Stringer) (s string, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return v.String(), true
}

func appendInt(b []byte, verb byte, v int64) ([]byte, bool) {
	switch verb {
	case 'd', 'v':
		return strconv.AppendInt(b, v, 10), true
	case 'x':
		return strconv.AppendInt(b, v, 16), true
	case 'X':
		return upperHex(strconv.AppendInt(b, v, 16), len(b)), true
	}
	return b, false
}

func appendUint(b []byte, verb byte, v uint64) ([]byte, bool) {
	switch verb {
	case 'd', 'v':
		return strconv.AppendUint(b, v, 10), true
	case 'x':
		return strconv.AppendUint(b, v, 16), true
	case 'X':
		return upperHex(strconv.AppendUint(b, v, 16), len(b)), true
	}
	return b, false
}

// upperHex upper-cases the hex digits written after from.
func upperHex(b []byte, from int) []byte {
	for i := from; i < len(b); i++ {
		if c := b[i]; c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return b
}

func appendFloat(b []byte, verb byte, prec int, v float64, bits int) ([]byte, bool) {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return b, false
	}
	switch verb {
	case 'v':
		return strconv.AppendFloat(b, v, 'g', -1, bits), true
	case 'g':
		return strconv.AppendFloat(b, v, 'g', prec, bits), true
	case 'f', 'F', 'e':
		if prec < 0 {
			prec = 6
		}
		f := verb
		if f == 'F' {
			f = 'f'
		}
		return strconv.AppendFloat(b, v, f, prec, bits), true
	}
	return b, false
}

func appendString[T string | []byte](b []byte, verb byte, s T) ([]byte, bool) {
	switch verb {
	case 's', 'v':
		return append(b, s...), true
	case 'q':
		return strconv.AppendQuote(b, string(s)), true
	case 'x', 'X':
		digits := "0123456789abcdef"
		if verb == 'X' {
			digits = "0123456789ABCDEF"
		}
		for i := 0; i < len(s); i++ {
			b = append(b, digits[s[i]>>4], digits[s[i]&15])
		}
		return b, true
	}
	return b, false
}
