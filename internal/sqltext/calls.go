package sqltext

import "fmt"

// Call is a function call found in a SQL text: its name, the tokens of
// each argument, and the byte range of the whole call.
type Call struct {
	Name       string
	Args       [][]Token
	Start, End int
}

// FindCalls returns the calls to the named functions (lower case), in
// text order, leaving out qualified names (x.name(...)). A call's
// arguments are split on top-level commas.
func FindCalls(toks []Token, names map[string]bool) ([]Call, error) {
	var out []Call
	for i := 0; i+1 < len(toks); i++ {
		t := toks[i]
		if t.Kind != Ident || !names[t.Text] || !IsSymbol(toks, i+1, "(") {
			continue
		}
		if IsSymbol(toks, i-1, ".") {
			continue // a qualified name such as x.view_instance
		}
		c := Call{Name: t.Text, Start: t.Start}
		depth := 0
		var arg []Token
		j := i + 1
		for ; j < len(toks); j++ {
			tk := toks[j]
			if tk.Kind == Symbol {
				switch tk.Text {
				case "(":
					depth++
					if depth == 1 {
						continue
					}
				case ")":
					depth--
					if depth == 0 {
						if len(arg) > 0 || len(c.Args) > 0 {
							c.Args = append(c.Args, arg)
						}
						c.End = tk.End
					}
				case ",":
					if depth == 1 {
						c.Args = append(c.Args, arg)
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
		if c.End == 0 {
			return nil, fmt.Errorf("%s( at byte %d has no closing parenthesis", t.Text, t.Start)
		}
		out = append(out, c)
		i = j
	}
	return out, nil
}

// StringArg returns the value of argument i when it is one string
// literal.
func (c Call) StringArg(i int) (string, error) {
	if i >= len(c.Args) || len(c.Args[i]) != 1 || c.Args[i][0].Kind != String {
		return "", fmt.Errorf("%s: argument %d must be a string literal such as 'log_entries'", c.Name, i+1)
	}
	return c.Args[i][0].Text, nil
}

// ArgText returns the text of argument i in sql, the text c was found in.
func (c Call) ArgText(sql string, i int) string {
	a := c.Args[i]
	if len(a) == 0 {
		return ""
	}
	return sql[a[0].Start:a[len(a)-1].End]
}
