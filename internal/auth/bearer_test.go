package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestParseBearer(t *testing.T) {
	cases := []struct {
		header, want string
		err          string // "" when none; "none" for ErrNoCredentials
	}{
		{"Bearer abc.def.ghi", "abc.def.ghi", ""},
		{"bearer abc", "abc", ""},
		{"BEARER  abc", "abc", ""},
		{"", "", "none"},
		{"Basic dXNlcjpwYXNz", "", "must be"},
		{"Bearer", "", "must be"},
		{"Bearer ", "", "no token"},
		{"Bearer a b", "", "character"},
		{"Bearer a\x00b", "", "character"},
		{"Bearer é", "", "character"},
		{"Bearer " + strings.Repeat("a", maxTokenBytes+1), "", "too long"},
	}
	for _, c := range cases {
		got, err := ParseBearer(c.header)
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("ParseBearer(%.20q) = %q, %v; want %q", c.header, got, err, c.want)
		case c.err == "none" && !errors.Is(err, ErrNoCredentials):
			t.Errorf("ParseBearer(%.20q) error %v, want ErrNoCredentials", c.header, err)
		case c.err != "" && c.err != "none" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("ParseBearer(%.20q) error %v, want one saying %q", c.header, err, c.err)
		}
		if err != nil && len(c.header) > 8 && strings.Contains(err.Error(), c.header[7:]) {
			t.Errorf("error %q repeats the credentials", err)
		}
	}
}

// FuzzParseBearer checks that any header either yields a token made of
// visible ASCII, bounded in size, or an error that does not repeat it.
func FuzzParseBearer(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer a.b.c", "", "Basic x", "Bearer \x00", "Bearer  x y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		tok, err := ParseBearer(header)
		if err != nil {
			if tok != "" {
				t.Fatalf("token %q with error %v", tok, err)
			}
			if len(header) > 12 && strings.Contains(err.Error(), header) {
				t.Fatalf("error repeats the header: %v", err)
			}
			return
		}
		if tok == "" || len(tok) > maxTokenBytes || !strings.HasSuffix(header, tok) {
			t.Fatalf("ParseBearer(%q) = %q", header, tok)
		}
		for i := 0; i < len(tok); i++ {
			if tok[i] <= ' ' || tok[i] >= 0x7f {
				t.Fatalf("token %q holds byte %#x", tok, tok[i])
			}
		}
	})
}
