package websession

import (
	"net/url"
	"strings"
	"testing"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// TestSeal: a sealed value opens with its key and purpose only, and any
// change to it is refused.
func TestSeal(t *testing.T) {
	s, err := newSealer(testKey)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := newSealer([]byte("fedcba9876543210fedcba9876543210"))
	in := session{ID: "id", Subject: "sub", Email: "a@b.c", Issuer: "https://i/", Expires: 42}
	sealed, err := s.seal(SessionCookie, in)
	if err != nil {
		t.Fatal(err)
	}
	var out session
	if err := s.open(SessionCookie, sealed, &out); err != nil || out != in {
		t.Fatalf("open: %+v, %v", out, err)
	}
	flipped := []byte(sealed)
	flipped[len(flipped)/2] ^= 1
	if flipped[len(flipped)/2] == '-'+1 || flipped[len(flipped)/2] == '_'+1 {
		flipped[len(flipped)/2] = 'A'
	}
	for _, c := range []struct {
		name, purpose, value string
		s                    *sealer
	}{
		{"another purpose", flowCookie, sealed, s},
		{"another key", SessionCookie, sealed, other},
		{"a changed byte", SessionCookie, string(flipped), s},
		{"truncated", SessionCookie, sealed[:len(sealed)-3], s},
		{"empty", SessionCookie, "", s},
		{"not base64", SessionCookie, "!!!", s},
		{"too long", SessionCookie, strings.Repeat("A", maxSealedLen+4), s},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.s.open(c.purpose, c.value, &out); err != errSealed {
				t.Errorf("opened: %v", err)
			}
		})
	}
}

// TestReturnPath: paths of this site pass, addresses of other sites not.
func TestReturnPath(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"", "/", true},
		{"/", "/", true},
		{"/process/abc?tab=logs&from=now-1h", "/process/abc?tab=logs&from=now-1h", true},
		{"/notebooks/x#cell", "/notebooks/x#cell", true},
		{"//evil.example", "", false},
		{"///evil.example", "", false},
		{"/\\evil.example", "", false},
		{"https://evil.example/", "", false},
		{"javascript:alert(1)", "", false},
		{"evil.example", "", false},
		{"/%2F%2Fevil.example", "", false},
		{"/a\nb", "", false},
		{"/" + strings.Repeat("a", 3000), "", false},
	} {
		got, ok := ReturnPath(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ReturnPath(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// FuzzOpen: whatever a browser sends as a cookie, opening it (and reading
// the Cookie header) never panics, and never succeeds unless it was
// sealed with the key.
func FuzzOpen(f *testing.F) {
	s, _ := newSealer(testKey)
	want := session{ID: "id", Subject: "sub", Issuer: "https://i/", Expires: 1}
	sealed, _ := s.seal(SessionCookie, want)
	f.Add(sealed)
	f.Add("")
	f.Add("AQ")
	f.Add(sealed[:20])
	f.Fuzz(func(t *testing.T, v string) {
		var out session
		err := s.open(SessionCookie, v, &out)
		// Only values sealed with the key open (the seeds hold the one
		// sealed above; a worker process seals its own with another nonce).
		if err == nil && out != want {
			t.Fatalf("a value not sealed by us opened: %q -> %+v", v, out)
		}
		sessionCookie("a=b; " + SessionCookie + "=" + v)
	})
}

// FuzzReturnPath: an accepted return path, resolved against this site,
// stays on this site.
func FuzzReturnPath(f *testing.F) {
	for _, s := range []string{"/", "//evil", "/\\evil", "/a?b=c", "https://x", "/%2F%2Fx", "/.//x"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://micromegas.example/")
	f.Fuzz(func(t *testing.T, p string) {
		got, ok := ReturnPath(p)
		if !ok {
			return
		}
		u, err := base.Parse(got)
		if err != nil || u.Host != base.Host || u.Scheme != base.Scheme {
			t.Fatalf("ReturnPath(%q) = %q leaves the site: %v %v", p, got, u, err)
		}
	})
}
