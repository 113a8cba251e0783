package lakehouse

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/micromegas-go/micromegas/internal/engine"
)

// TestExplainUnknownTable rewrites DuckDB's errors for unknown tables,
// whose suggestions come from DuckDB's own catalog (pg_attribute...).
func TestExplainUnknownTable(t *testing.T) {
	duck := func(name, suggestion string) error {
		return &engine.QueryError{Invalid: true, Msg: "Catalog Error: Table with name " + name + " does not exist!\n" +
			"Did you mean \"" + suggestion + "\"?\n\nLINE 1: SELECT * FROM " + name + "\n                      ^"}
	}
	tests := []struct {
		name    string
		err     error
		want    []string
		notWant []string
	}{
		{"typo of a table", duck("log_entriez", "pg_attribute"),
			[]string{"log_entriez does not exist!", "Did you mean log_entries?", "The tables are " + strings.Join(globalNames(), ", ") + ".",
				"view_instance('thread_spans', '<stream_id>')", "LINE 1: SELECT * FROM log_entriez", "^"},
			[]string{"pg_attribute"}},
		{"per-stream view", duck("thread_spans", "pg_prepared_statements"),
			[]string{"thread_spans has one table per stream: read it with view_instance('thread_spans', '<stream_id>') (the ids are in the streams table)"},
			[]string{"pg_prepared_statements", "Did you mean"}},
		{"per-process view", duck("async_events", "pg_am"),
			[]string{"view_instance('async_events', '<process_id>') (the ids are in the processes table)"}, nil},
		{"unrelated name", duck("sales", "pg_class"),
			[]string{"sales does not exist!", "The tables are"},
			[]string{"Did you mean", "pg_class"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := explainUnknownTable(tc.err)
			if !errors.Is(err, engine.ErrInvalidQuery) {
				t.Errorf("%v no longer blames the query", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message lacks %q:\n%s", w, err)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(err.Error(), w) {
					t.Errorf("message has %q:\n%s", w, err)
				}
			}
		})
	}
	for _, err := range []error{nil, errors.New("disk on fire"),
		&engine.QueryError{Invalid: true, Msg: `Binder Error: Referenced column "nope" not found`}} {
		if got := explainUnknownTable(err); got != err {
			t.Errorf("explainUnknownTable(%v) = %v, want it unchanged", err, got)
		}
	}
}

// globalNames are the names of the global views, sorted.
func globalNames() []string {
	var names []string
	for _, v := range Views() {
		if v.Global {
			names = append(names, v.Name)
		}
	}
	slices.Sort(names)
	return names
}
