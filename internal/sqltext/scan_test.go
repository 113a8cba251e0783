package sqltext

import (
	"strings"
	"testing"
)

// kindNames name the kinds in the expected token lists.
var kindNames = map[Kind]string{Ident: "id", String: "str", EscapeString: "estr", Number: "num", Param: "param", Symbol: "sym"}

// render lists tokens as kind:text, separated by spaces.
func render(toks []Token) string {
	var parts []string
	for _, t := range toks {
		parts = append(parts, kindNames[t.Kind]+":"+t.Text)
	}
	return strings.Join(parts, " ")
}

// TestScan checks the tokenizer's edge cases, against DuckDB's lexical
// rules (checked on DuckDB 1.5: nested comments, backslash escapes in E strings, $tag$
// quoting).
func TestScan(t *testing.T) {
	for _, c := range []struct {
		name, sql, want string
	}{
		{"empty", ``, ``},
		{"bare identifiers are lower-cased", `SELECT Foo_1 FROM "Log ""X"""`, `id:select id:foo_1 id:from id:Log "X"`},
		{"identifier with dollar and non-ASCII", `été$2`, `id:été$2`},
		{"string with doubled quote", `'it''s'`, `str:it's`},
		{"empty string", `''`, `str:`},
		{"adjacent strings", `'a''' 'b'`, `str:a' str:b`},
		{"escape string", `E'a\'b''c' e'\\'`, `estr:a\'b''c estr:\\`},
		{"E inside an identifier is not a prefix", `tE'x'`, `id:te str:x`},
		{"line comment", "a -- b 'c\n d -- e", `id:a id:d`},
		{"block comment nests", `a /* b /* c */ 'd */ e`, `id:a id:e`},
		{"comment markers in strings", `'--' '/*'`, `str:-- str:/*`},
		{"dollar quoting", `$$a'b$$ $q$ $$ $1 ? $q$`, `str:a'b str: $$ $1 ? `},
		{"tag with digits", `$t1$x$t1$`, `str:x`},
		{"markers", `? $1 $12 $name $ $1a`, `param:? param:$1 param:$12 param:$name sym:$ param:$1 id:a`},
		{"numbers", `1 1.5 1e5 1_000 .5`, `num:1 num:1.5 num:1e5 num:1_000 sym:. num:5`},
		{"symbols", `a::b<=c->>'k'`, `id:a sym:: sym:: id:b sym:< sym:= id:c sym:- sym:> sym:> str:k`},
		{"white space", "a\t\r\n\fb", `id:a id:b`},
	} {
		t.Run(c.name, func(t *testing.T) {
			toks, err := Scan(c.sql)
			if err != nil {
				t.Fatal(err)
			}
			if got := render(toks); got != c.want {
				t.Errorf("%s\n got %s\nwant %s", c.sql, got, c.want)
			}
			checkRanges(t, c.sql, toks)
		})
	}
}

// TestScanErrors checks that what is left open is an error saying where.
func TestScanErrors(t *testing.T) {
	for _, c := range []struct{ sql, want string }{
		{`SELECT 'open`, "unterminated string literal at byte 7"},
		{`SELECT 'it''s`, "unterminated string literal at byte 7"},
		{`SELECT E'\'`, "unterminated string literal at byte 7"},
		{`SELECT "open`, "unterminated quoted identifier at byte 7"},
		{`SELECT /* open`, "unterminated /* comment at byte 7"},
		{`SELECT /* a /* b */`, "unterminated /* comment at byte 7"},
		{`SELECT $q$ open $q`, "unterminated dollar-quoted string $q$ at byte 7"},
		{`SELECT $$`, "unterminated dollar-quoted string $$ at byte 7"},
	} {
		_, err := Scan(c.sql)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.sql, err, c.want)
		}
	}
}

// checkRanges checks that the tokens are in order, inside sql, and that
// the ranges of bare identifiers, numbers, markers and symbols hold their
// text.
func checkRanges(t *testing.T, sql string, toks []Token) {
	t.Helper()
	last := 0
	for _, tk := range toks {
		if tk.Start < last || tk.End <= tk.Start || tk.End > len(sql) {
			t.Fatalf("%q: token %+v out of order or out of range", sql, tk)
		}
		last = tk.End
		src := sql[tk.Start:tk.End]
		switch {
		case tk.Kind == Ident && src[0] != '"':
			if strings.ToLower(src) != tk.Text {
				t.Fatalf("%q: identifier %+v is %q in the text", sql, tk, src)
			}
		case tk.Kind == Number || tk.Kind == Param || tk.Kind == Symbol:
			if src != tk.Text {
				t.Fatalf("%q: token %+v is %q in the text", sql, tk, src)
			}
		}
	}
}

// FuzzScan checks that no SQL text from the network makes the tokenizer
// panic or return tokens out of order or out of range, and that the
// analyses built on it do not panic either.
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		`SELECT * FROM view_instance('log_entries', 'p') WHERE time > ? AND msg LIKE '%x%'`,
		`SELECT 'it''s', "a""b", E'\'', $$x$$, $t$ y $t$ -- c` + "\n/* a /* b */ */ $1",
		`SELECT $name, $, ?, 1.5e3, é`,
		`'`, `"`, `/*`, `$a$`, `E'\`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		toks, err := Scan(sql)
		if err != nil {
			return
		}
		checkRanges(t, sql, toks)
		if marks, err := Placeholders(toks); err == nil {
			_ = CheckCount(marks, len(marks))
		}
		Named(toks)
		NewestFirst(toks, eventTimeColumns)
		if _, err := Interpolate(sql, nil); err != nil && !strings.Contains(err.Error(), "parameter") {
			t.Fatalf("Interpolate(%q) with no parameters: %v", sql, err)
		}
	})
}
