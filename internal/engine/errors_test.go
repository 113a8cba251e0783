package engine

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInvalidQueryErrors(t *testing.T) {
	e, _ := openEngine(t, Options{})
	tests := []struct {
		name string
		sql  string
		msg  string
	}{
		{"unknown table", "SELECT * FROM nonexistent", "Table with name nonexistent does not exist"},
		{"syntax error", "SELEC 1", "Parser Error"},
		{"unknown function", "SELECT nope(1)", "Catalog Error"},
		{"type error", "SELECT 1 + 'a'", "Error"},
		{"empty", "  ; ", "empty query"},
		{"failure while streaming",
			"SELECT CASE WHEN range = 100000 THEN error('boom') ELSE range END FROM range(1000000)", "boom"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tryCollect(e, tc.sql)
			if !errors.Is(err, ErrInvalidQuery) {
				t.Fatalf("err = %v, want ErrInvalidQuery", err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want DuckDB's message containing %q", err, tc.msg)
			}
			var iq interface{ InvalidQuery() bool }
			if !errors.As(err, &iq) || !iq.InvalidQuery() {
				t.Errorf("err %T does not report InvalidQuery()", err)
			}
		})
	}
}

func TestServerErrorsAreNotInvalidQueries(t *testing.T) {
	e, dir := openEngine(t, Options{})
	missing := filepath.Join(dir, "gone.parquet")
	corrupt := filepath.Join(dir, "corrupt.parquet")
	if err := os.WriteFile(corrupt, []byte("not parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{missing, corrupt} {
		_, err := tryCollect(e, "SELECT * FROM t", Table{Name: "t", Files: []string{f}})
		if err == nil || errors.Is(err, ErrInvalidQuery) {
			t.Errorf("table over %s: err = %v, want a server error", filepath.Base(f), err)
		}
	}
	for _, tables := range [][]Table{
		{{Name: "t"}},                   // neither files nor schema
		{{Name: "", Schema: logSchema}}, // no name
		{{Name: "t", Schema: logSchema}, {Name: "T", Schema: logSchema}}, // twice
		{{Name: "t", Files: []string{"relative.parquet"}}},
		{{Name: "t", Files: []string{filepath.Join(dir, "*.parquet")}}},
	} {
		if _, err := tryCollect(e, "SELECT 1", tables...); err == nil {
			t.Errorf("tables %+v accepted", tables)
		}
	}
}
