package sqltext

import (
	"fmt"
	"strings"
)

// Kind is the lexical class of a Token.
type Kind uint8

const (
	// Ident is an identifier or keyword: Text is lower-cased when bare,
	// unescaped and as written when quoted ("...").
	Ident Kind = iota
	// String is a string literal, '...' or dollar-quoted: Text is its value.
	String
	// EscapeString is an E'...' literal, whose backslash escapes are not
	// decoded: Text is its body as written, so analyses that need a value
	// leave it alone.
	EscapeString
	// Number is a numeric literal (digits, letters, '_' and '.').
	Number
	// Param is a parameter marker: "?", "$N" or "$name".
	Param
	// Symbol is any other single byte (operators, punctuation).
	Symbol
)

// Token is one lexical element of a SQL text, with its byte range.
type Token struct {
	Kind Kind
	// Text is the identifier, the literal's value, the marker or the
	// symbol (see Kind).
	Text       string
	Start, End int
}

// Scan splits sql into tokens, skipping white space and comments, by
// DuckDB's lexical rules: single-quoted strings with doubled quotes, E'...'
// strings with backslash escapes, dollar-quoted strings ($$...$$ and
// $tag$...$tag$), quoted identifiers with "" escapes, -- comments and
// nested /* */ comments. A literal, quoted identifier or comment left
// open is an error that says where it starts.
func Scan(sql string) ([]Token, error) {
	toks := make([]Token, 0, len(sql)/4)
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				i = len(sql)
			} else {
				i += j + 1
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			end, err := blockComment(sql, i)
			if err != nil {
				return nil, err
			}
			i = end
		case c == '\'':
			text, end, err := quoted(sql, i, '\'')
			if err != nil {
				return nil, err
			}
			toks = append(toks, Token{Kind: String, Text: text, Start: i, End: end})
			i = end
		case c == '"':
			text, end, err := quoted(sql, i, '"')
			if err != nil {
				return nil, err
			}
			toks = append(toks, Token{Kind: Ident, Text: text, Start: i, End: end})
			i = end
		case (c == 'e' || c == 'E') && i+1 < len(sql) && sql[i+1] == '\'':
			end, err := escapeString(sql, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, Token{Kind: EscapeString, Text: sql[i+2 : end-1], Start: i, End: end})
			i = end
		case c == '$':
			t, err := dollar(sql, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = t.End
		case c == '?':
			toks = append(toks, Token{Kind: Param, Text: "?", Start: i, End: i + 1})
			i++
		case IsIdentStart(c):
			j := i + 1
			for j < len(sql) && IsIdentPart(sql[j]) {
				j++
			}
			toks = append(toks, Token{Kind: Ident, Text: strings.ToLower(sql[i:j]), Start: i, End: j})
			i = j
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(sql) && (IsIdentPart(sql[j]) || sql[j] == '.') {
				j++
			}
			toks = append(toks, Token{Kind: Number, Text: sql[i:j], Start: i, End: j})
			i = j
		default:
			toks = append(toks, Token{Kind: Symbol, Text: sql[i : i+1], Start: i, End: i + 1})
			i++
		}
	}
	return toks, nil
}

// IsIdentStart reports whether c may start a bare identifier (any byte of
// a non-ASCII character may).
func IsIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

// IsIdentPart reports whether c may continue a bare identifier.
func IsIdentPart(c byte) bool { return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '$' }

// IsIdentifier reports whether name is a bare SQL identifier.
func IsIdentifier(name string) bool {
	if name == "" || !IsIdentStart(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		if !IsIdentPart(name[i]) {
			return false
		}
	}
	return true
}

// quoted reads the literal or identifier quoted with q that starts at i: a
// doubled q stands for one. It returns its unescaped text and its end.
func quoted(sql string, i int, q byte) (string, int, error) {
	j := i + 1
	k := strings.IndexByte(sql[j:], q)
	// The common case: no doubled quote, the text is a substring.
	if k >= 0 && (j+k+1 >= len(sql) || sql[j+k+1] != q) {
		return sql[j : j+k], j + k + 1, nil
	}
	var b strings.Builder
	for {
		if j >= len(sql) {
			what := "string literal"
			if q == '"' {
				what = "quoted identifier"
			}
			return "", 0, fmt.Errorf("unterminated %s at byte %d: close it with %c", what, i, q)
		}
		if sql[j] == q {
			if j+1 < len(sql) && sql[j+1] == q {
				b.WriteByte(q)
				j += 2
				continue
			}
			return b.String(), j + 1, nil
		}
		b.WriteByte(sql[j])
		j++
	}
}

// escapeString returns the end of the E'...' literal that starts at i,
// where a backslash escapes the next byte and a doubled quote is one quote.
func escapeString(sql string, i int) (int, error) {
	for j := i + 2; j < len(sql); j++ {
		switch sql[j] {
		case '\\':
			j++
		case '\'':
			if j+1 < len(sql) && sql[j+1] == '\'' {
				j++
				continue
			}
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("unterminated string literal at byte %d: close it with '", i)
}

// blockComment returns the end of the (possibly nested) /* comment that
// starts at i.
func blockComment(sql string, i int) (int, error) {
	depth := 0
	for j := i; j+1 < len(sql); {
		switch {
		case sql[j] == '/' && sql[j+1] == '*':
			depth++
			j += 2
		case sql[j] == '*' && sql[j+1] == '/':
			depth--
			j += 2
			if depth == 0 {
				return j, nil
			}
		default:
			j++
		}
	}
	return 0, fmt.Errorf("unterminated /* comment at byte %d: close it with */", i)
}

// dollar reads what starts with the '$' at i: a parameter marker $N or
// $name, a dollar-quoted string $$...$$ or $tag$...$tag$, or the symbol $.
func dollar(sql string, i int) (Token, error) {
	j := i + 1
	for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
		j++
	}
	if j > i+1 {
		return Token{Kind: Param, Text: sql[i:j], Start: i, End: j}, nil
	}
	// A tag is an identifier without '$'.
	for j < len(sql) && (IsIdentStart(sql[j]) || (j > i+1 && sql[j] >= '0' && sql[j] <= '9')) {
		j++
	}
	if j < len(sql) && sql[j] == '$' {
		tag := sql[i : j+1]
		k := strings.Index(sql[j+1:], tag)
		if k < 0 {
			return Token{}, fmt.Errorf("unterminated dollar-quoted string %s at byte %d: close it with %s", tag, i, tag)
		}
		return Token{Kind: String, Text: sql[j+1 : j+1+k], Start: i, End: j + 1 + k + len(tag)}, nil
	}
	if j > i+1 {
		return Token{Kind: Param, Text: sql[i:j], Start: i, End: j}, nil
	}
	return Token{Kind: Symbol, Text: "$", Start: i, End: i + 1}, nil
}
