package sqltext

import (
	"strings"
	"testing"
)

// tableFunctions are the names TestFindCalls looks for.
var tableFunctions = map[string]bool{"view_instance": true, "list_partitions": true, "retire_partitions": true}

func TestFindCalls(t *testing.T) {
	for _, c := range []struct {
		sql  string
		want []string // name(args joined by ;)
	}{
		{`SELECT * FROM view_instance('log_entries', 'p1')`, []string{"view_instance(log_entries;p1)"}},
		{`SELECT 'view_instance(''x'', ''y'')' -- view_instance('a','b')
		  /* view_instance('c','d') */ FROM t`, nil},
		{`SELECT "view_instance" FROM t`, nil},
		{`SELECT * FROM VIEW_INSTANCE ( 'a' , 'it''s' ) JOIN view_instance('b', 'c') USING (x)`,
			[]string{"view_instance(a;it's)", "view_instance(b;c)"}},
		{`SELECT * FROM retire_partitions('v', 'g', now() - INTERVAL '1 day', now())`,
			[]string{"retire_partitions(v;g;now ( ) - interval 1 day;now ( ))"}},
		{`SELECT * FROM list_partitions()`, []string{"list_partitions()"}},
		{`SELECT x.view_instance('a', 'b') FROM t`, nil},
		{`SELECT $$view_instance('a','b')$$`, nil},
	} {
		toks, err := Scan(c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		calls, err := FindCalls(toks, tableFunctions)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		var got []string
		for _, call := range calls {
			var args []string
			for _, a := range call.Args {
				var parts []string
				for _, tk := range a {
					parts = append(parts, tk.Text)
				}
				args = append(args, strings.Join(parts, " "))
			}
			got = append(got, call.Name+"("+strings.Join(args, ";")+")")
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s:\n got %v\nwant %v", c.sql, got, c.want)
		}
	}
	for _, bad := range []string{`SELECT 'open`, `SELECT /* open`, `SELECT * FROM view_instance('a', 'b'`} {
		toks, err := Scan(bad)
		if err == nil {
			_, err = FindCalls(toks, tableFunctions)
		}
		if err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
