package engine

import (
	"fmt"
	"testing"
)

// TestJSONFunctions checks the JSONB functions of the original written
// over DuckDB's JSON type.
func TestJSONFunctions(t *testing.T) {
	e, _ := openEngine(t, Options{})
	const props = `MAP {'b': '2', 'a': 'x"y'}`
	const doc = `jsonb_parse('{"s": "text", "i": 42, "f": 1.5, "o": {"k": 1}, "q\"k": 7, "$p": "d"}')`
	for _, c := range []struct{ expr, want string }{
		{`jsonb_format_json(properties_to_jsonb(` + props + `))`, `{"a":"x\"y","b":"2"}`},
		{`properties_to_array(` + props + `)[1].key`, `b`},
		{`len(properties_to_array(` + props + `))`, `2`},
		{`property_get(properties_to_dict(` + props + `), 'a')`, `x"y`},
		{`jsonb_format_json(jsonb_get(` + doc + `, 'o'))`, `{"k":1}`},
		{`jsonb_as_string(jsonb_get(` + doc + `, 's'))`, `text`},
		{`jsonb_as_string(jsonb_get(` + doc + `, 'i'))`, `<nil>`},
		{`jsonb_as_i64(jsonb_get(` + doc + `, 'i'))`, `42`},
		{`jsonb_as_i64(jsonb_get(` + doc + `, 'f'))`, `<nil>`},
		{`jsonb_as_f64(jsonb_get(` + doc + `, 'f'))`, `1.5`},
		{`jsonb_as_f64(jsonb_get(` + doc + `, 'i'))`, `42`},
		{`jsonb_as_f64(jsonb_get(` + doc + `, 's'))`, `<nil>`},
		{`jsonb_as_i64(jsonb_get(` + doc + `, 'q"k'))`, `7`},
		{`jsonb_as_string(jsonb_get(` + doc + `, '$p'))`, `d`},
		{`jsonb_get(` + doc + `, 'missing') IS NULL`, `true`},
	} {
		res, err := tryCollect(e, "SELECT "+c.expr)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if got := fmt.Sprint(res.rows[0][0]); got != c.want {
			t.Errorf("%s = %s, want %s", c.expr, got, c.want)
		}
	}
}
