package transit

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// DecodeString converts the bytes of a DynString or StaticStringDependency
// with the given codec to UTF-8 (spec 2.6):
//
//   - CodecAnsi: bytes that are already valid UTF-8 are kept (the original
//     reader treats Ansi as UTF-8, and ASCII is both); otherwise each byte
//     is a Windows-1252 character (Latin-1 plus the 0x80–0x9F punctuation).
//   - CodecWide: UTF-16LE; an odd byte count is an error and unpaired
//     surrogates become U+FFFD.
//   - CodecUtf8: UTF-8; invalid sequences become U+FFFD.
//
// Any other codec is an error. The result never aliases b.
func DecodeString(codec byte, b []byte) (string, error) {
	switch codec {
	case CodecAnsi:
		return decodeAnsi(b), nil
	case CodecWide:
		return decodeWide(b)
	case CodecUtf8:
		return decodeUTF8(b), nil
	default:
		return "", fmt.Errorf("unknown string codec %d (want %d ansi, %d wide or %d utf8)",
			codec, CodecAnsi, CodecWide, CodecUtf8)
	}
}

// decodeUTF8 copies b into a string, replacing invalid sequences.
func decodeUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// decodeUTF8Alias is decodeUTF8, except that with alias valid text is
// returned without a copy: the string shares b's memory, so b must not
// change while the string is in use (see ScanObjects).
func decodeUTF8Alias(b []byte, alias bool) string {
	if alias && utf8.Valid(b) {
		return aliasString(b)
	}
	return decodeUTF8(b)
}

// aliasString returns b as a string without copying it.
func aliasString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// decodeStringAlias is DecodeString, except that with alias UTF-8 (and
// Ansi) text that is valid UTF-8 is returned without a copy, sharing b's
// memory (see ScanObjects).
func decodeStringAlias(codec byte, b []byte, alias bool) (string, error) {
	if alias && (codec == CodecUtf8 || codec == CodecAnsi) && utf8.Valid(b) {
		return aliasString(b), nil
	}
	return DecodeString(codec, b)
}

// cp1252 maps the bytes 0x80–0x9F of Windows-1252 to runes. The five bytes
// that code page leaves undefined map to the C1 control of the same value,
// as Latin-1 (and the WHATWG encoding standard) do.
var cp1252 = [32]rune{
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
}

// decodeAnsi decodes Unreal "ANSI" text (see DecodeString).
func decodeAnsi(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) * 2)
	for _, c := range b {
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case c < 0xA0:
			sb.WriteRune(cp1252[c-0x80])
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}

// decodeWide decodes UTF-16LE.
func decodeWide(b []byte) (string, error) {
	if len(b)%2 != 0 {
		return "", fmt.Errorf("utf-16 string has an odd byte count %d", len(b))
	}
	var sb strings.Builder
	sb.Grow(len(b) / 2 * 3)
	for i := 0; i < len(b); i += 2 {
		r := rune(uint16(b[i]) | uint16(b[i+1])<<8)
		if utf16.IsSurrogate(r) {
			r2 := utf8.RuneError
			if i+3 < len(b) {
				r2 = rune(uint16(b[i+2]) | uint16(b[i+3])<<8)
			}
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				sb.WriteRune(dec)
				i += 2
				continue
			}
			r = utf8.RuneError
		}
		sb.WriteRune(r)
	}
	return sb.String(), nil
}
