package lakehouse

import (
	"encoding/json"
	"maps"
	"testing"
)

// TestPropsJSON checks the text of property sets: valid JSON that decodes
// to the same map, sorted keys, and escapes as encoding/json's.
func TestPropsJSON(t *testing.T) {
	for _, c := range []struct {
		m    map[string]string
		want string
	}{
		{nil, `{}`},
		{map[string]string{}, `{}`},
		{map[string]string{"b": "2", "a": "1"}, `{"a":"1","b":"2"}`},
		{map[string]string{`q"uote`: `back\slash`}, `{"q\"uote":"back\\slash"}`},
		{map[string]string{"ctl": "a\nb\tc\r\x01"}, `{"ctl":"a\nb\tc\r\u0001"}`},
		{map[string]string{"html": "<&>", "é": "ü"}, `{"html":"<&>","é":"ü"}`},
		{map[string]string{"bad": "a\xffb"}, `{"bad":"a\ufffdb"}`},
		{map[string]string{"sep": "\u2028\u2029"}, `{"sep":"\u2028\u2029"}`},
	} {
		got := propsJSON(c.m)
		if got != c.want {
			t.Errorf("propsJSON(%q) = %s, want %s", c.m, got, c.want)
		}
		var back map[string]string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		if c.m["bad"] == "" && len(c.m) > 0 && !maps.Equal(back, c.m) {
			t.Errorf("%s decodes to %q, want %q", got, back, c.m)
		}
	}
}

// FuzzPropsJSON checks that any property set gives JSON that decodes to
// it (invalid UTF-8 aside, which becomes U+FFFD).
func FuzzPropsJSON(f *testing.F) {
	f.Add("k", "v")
	f.Add("\"\\\x00", "\u2028<>")
	f.Fuzz(func(t *testing.T, k, v string) {
		m := map[string]string{k: v}
		var back map[string]string
		if err := json.Unmarshal([]byte(propsJSON(m)), &back); err != nil {
			t.Fatalf("%q: %v", propsJSON(m), err)
		}
		want, _ := json.Marshal(m) // encoding/json's own replacement of invalid UTF-8
		var wantBack map[string]string
		if err := json.Unmarshal(want, &wantBack); err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(back, wantBack) {
			t.Fatalf("%q decodes to %q, want %q", propsJSON(m), back, wantBack)
		}
	})
}
