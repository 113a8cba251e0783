package engine

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestVocabulary(t *testing.T) {
	e, _ := openEngine(t, Options{})
	v, err := e.Vocabulary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		list []string
		has  []string
	}{
		{"keywords", v.Keywords, []string{"SELECT", "FROM", "WHERE", "QUALIFY"}},
		{"numeric", v.NumericFunctions, []string{"abs", "round", "sqrt", "ln"}},
		{"string", v.StringFunctions, []string{"lower", "regexp_matches", "levenshtein"}},
		{"datetime", v.DateTimeFunctions, []string{"date_trunc", "epoch_ns"}},
		// The Micromegas macros are DuckDB functions too.
		{"system", v.SystemFunctions, []string{"level_name", "property_get", "make_histogram", "count"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, w := range tc.has {
				if !slices.Contains(tc.list, w) {
					t.Errorf("%s lacks %q (%d entries)", tc.name, w, len(tc.list))
				}
			}
			if !slices.IsSorted(tc.list) || len(slices.Compact(slices.Clone(tc.list))) != len(tc.list) {
				t.Errorf("%s is not sorted without repeats", tc.name)
			}
			for _, w := range tc.list {
				if strings.HasPrefix(w, "micromegas_") || strings.HasPrefix(w, "__") {
					t.Errorf("%s lists the engine's helper %q", tc.name, w)
				}
			}
		})
	}
}

func TestLevelName(t *testing.T) {
	e, _ := openEngine(t, Options{})
	res := collect(t, e, `SELECT level_name(l) FROM (VALUES (1), (2), (3), (4), (5), (6), (9), (NULL)) v(l)`)
	var got []any
	for _, r := range res.rows {
		got = append(got, r[0])
	}
	want := []any{"FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "9", nil}
	if !slices.Equal(got, want) {
		t.Errorf("level_name = %v, want %v", got, want)
	}
}
