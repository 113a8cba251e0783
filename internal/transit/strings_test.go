package transit

import (
	"strings"
	"testing"
)

func TestDecodeString(t *testing.T) {
	tests := []struct {
		name    string
		codec   byte
		in      []byte
		want    string
		wantErr string
	}{
		{"ansi ascii", CodecAnsi, []byte("abc"), "abc", ""},
		{"ansi latin-1 é", CodecAnsi, []byte{'c', 'a', 'f', 0xe9}, "café", ""},
		{"ansi cp1252 euro and quotes", CodecAnsi, []byte{0x80, 0x93, 'x', 0x94}, "€“x”", ""},
		{"ansi undefined cp1252 byte", CodecAnsi, []byte{0x81, 0xff}, "\u0081ÿ", ""},
		{"ansi already utf-8 is kept", CodecAnsi, []byte("café"), "café", ""},
		{"wide bmp", CodecWide, []byte{'h', 0, 0xe9, 0}, "hé", ""},
		{"wide surrogate pair", CodecWide, []byte{'a', 0, 0x3d, 0xd8, 0x00, 0xde, 'b', 0}, "a😀b", ""},
		{"wide lone high surrogate", CodecWide, []byte{0x3d, 0xd8, 'b', 0}, "\uFFFDb", ""},
		{"wide lone high surrogate at end", CodecWide, []byte{'a', 0, 0x3d, 0xd8}, "a\uFFFD", ""},
		{"wide lone low surrogate", CodecWide, []byte{0x00, 0xde}, "\uFFFD", ""},
		{"wide odd length", CodecWide, []byte{'a', 0, 'b'}, "", "odd byte count 3"},
		{"utf8", CodecUtf8, []byte("日本語"), "日本語", ""},
		{"utf8 invalid bytes replaced", CodecUtf8, []byte{'a', 0xff, 'b'}, "a\uFFFDb", ""},
		{"empty", CodecUtf8, nil, "", ""},
		{"unknown codec", 3, []byte("x"), "", "unknown string codec 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeString(tt.codec, tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("DecodeString = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestDecodeStringDoesNotAlias(t *testing.T) {
	b := []byte("abc")
	s, _ := DecodeString(CodecUtf8, b)
	b[0] = 'x'
	if s != "abc" {
		t.Errorf("decoded string changed with its buffer: %q", s)
	}
}
