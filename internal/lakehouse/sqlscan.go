package lakehouse

import (
	"fmt"
	"strings"
)

// token is one lexical element of a SQL text, with its byte range.
type token struct {
	kind       tokenKind
	text       string // identifier (unquoted, lower-cased when bare), literal value, or the symbol
	start, end int
}

type tokenKind uint8

const (
	tokIdent tokenKind = iota
	tokString
	tokSymbol
	tokNumber
	tokOther
)

// scanSQL splits sql into tokens, skipping white space and comments. It
// knows just enough SQL to find table references and function calls
// outside string literals and comments: quoted identifiers, single-quoted
// strings with ” escapes, dollar-quoted strings, -- and /* */ comments.
func scanSQL(sql string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				i = len(sql)
			} else {
				i += j + 1
			}
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				return nil, fmt.Errorf("unterminated /* comment at byte %d", i)
			}
			i += j + 4
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(sql) {
					return nil, fmt.Errorf("unterminated string literal at byte %d", i)
				}
				if sql[j] == '\'' {
					if j+1 < len(sql) && sql[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(sql[j])
				j++
			}
			toks = append(toks, token{kind: tokString, text: b.String(), start: i, end: j + 1})
			i = j + 1
		case c == '"':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(sql) {
					return nil, fmt.Errorf("unterminated quoted identifier at byte %d", i)
				}
				if sql[j] == '"' {
					if j+1 < len(sql) && sql[j+1] == '"' {
						b.WriteByte('"')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(sql[j])
				j++
			}
			toks = append(toks, token{kind: tokIdent, text: b.String(), start: i, end: j + 1})
			i = j + 1
		case c == '$' && i+1 < len(sql) && (sql[i+1] == '$' || isIdentStart(sql[i+1])):
			j := i + 1
			for j < len(sql) && isIdentPart(sql[j]) {
				j++
			}
			if j < len(sql) && sql[j] == '$' {
				tag := sql[i : j+1]
				k := strings.Index(sql[j+1:], tag)
				if k < 0 {
					return nil, fmt.Errorf("unterminated dollar-quoted string at byte %d", i)
				}
				toks = append(toks, token{kind: tokString, text: sql[j+1 : j+1+k], start: i, end: j + 1 + k + len(tag)})
				i = j + 1 + k + len(tag)
				continue
			}
			toks = append(toks, token{kind: tokOther, text: sql[i:j], start: i, end: j})
			i = j
		case isIdentStart(c):
			j := i + 1
			for j < len(sql) && isIdentPart(sql[j]) {
				j++
			}
			toks = append(toks, token{kind: tokIdent, text: strings.ToLower(sql[i:j]), start: i, end: j})
			i = j
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(sql) && (isIdentPart(sql[j]) || sql[j] == '.') {
				j++
			}
			toks = append(toks, token{kind: tokNumber, text: sql[i:j], start: i, end: j})
			i = j
		default:
			toks = append(toks, token{kind: tokSymbol, text: sql[i : i+1], start: i, end: i + 1})
			i++
		}
	}
	return toks, nil
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') || c == '$' }

// call is a function call found in a SQL text: its name, the tokens of
// each argument, and the byte range of the whole call.
type call struct {
	name       string
	args       [][]token
	start, end int
}

// findCalls returns the calls to the named functions (lower case), in
// text order. A call's arguments are split on top-level commas.
func findCalls(toks []token, names map[string]bool) ([]call, error) {
	var out []call
	for i := 0; i+1 < len(toks); i++ {
		t := toks[i]
		if t.kind != tokIdent || !names[t.text] || toks[i+1].text != "(" || toks[i+1].kind != tokSymbol {
			continue
		}
		if i > 0 && toks[i-1].kind == tokSymbol && toks[i-1].text == "." {
			continue // a qualified name such as x.view_instance
		}
		c := call{name: t.text, start: t.start}
		depth := 0
		var arg []token
		j := i + 1
		for ; j < len(toks); j++ {
			tk := toks[j]
			if tk.kind == tokSymbol {
				switch tk.text {
				case "(":
					depth++
					if depth == 1 {
						continue
					}
				case ")":
					depth--
					if depth == 0 {
						if len(arg) > 0 || len(c.args) > 0 {
							c.args = append(c.args, arg)
						}
						c.end = tk.end
					}
				case ",":
					if depth == 1 {
						c.args = append(c.args, arg)
						arg = nil
						continue
					}
				}
			}
			if depth == 0 {
				break
			}
			arg = append(arg, tk)
		}
		if c.end == 0 {
			return nil, fmt.Errorf("%s( at byte %d has no closing parenthesis", t.text, t.start)
		}
		out = append(out, c)
		i = j
	}
	return out, nil
}

// identifiers returns the set of identifiers of a SQL text, lower-cased.
func identifiers(toks []token) map[string]bool {
	ids := map[string]bool{}
	for _, t := range toks {
		if t.kind == tokIdent {
			ids[strings.ToLower(t.text)] = true
		}
	}
	return ids
}

// stringArg returns the value of an argument made of one string literal.
func stringArg(c call, i int) (string, error) {
	if i >= len(c.args) || len(c.args[i]) != 1 || c.args[i][0].kind != tokString {
		return "", fmt.Errorf("%s: argument %d must be a string literal such as 'log_entries'", c.name, i+1)
	}
	return c.args[i][0].text, nil
}

// argText returns the SQL text of argument i.
func argText(sql string, c call, i int) string {
	a := c.args[i]
	if len(a) == 0 {
		return ""
	}
	return sql[a[0].start:a[len(a)-1].end]
}
