package sqltext

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestInterpolate(t *testing.T) {
	ts := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("x", 3600))
	tests := []struct {
		name   string
		sql    string
		params []any
		want   string
	}{
		{"question marks", "SELECT * FROM t WHERE a = ? AND b = ?", []any{int64(1), "x"},
			"SELECT * FROM t WHERE a =  1  AND b =  'x' "},
		{"numbered, reused, out of order", "SELECT $2, $1, $2", []any{true, nil},
			"SELECT  NULL ,  TRUE ,  NULL "},
		{"quote in string", "SELECT ?", []any{"it's'; DROP TABLE t; --"},
			"SELECT  'it''s''; DROP TABLE t; --' "},
		{"negative after minus", "SELECT 1 -?", []any{int64(-5)}, "SELECT 1 - (-5) "},
		{"markers in strings, identifiers and comments are text",
			"SELECT '?', \"a?\", E'\\'?', $$?$$, $q$ ? $q$ -- ?\n /* ? /* ? */ ? */ , ?",
			[]any{uint64(7)},
			"SELECT '?', \"a?\", E'\\'?', $$?$$, $q$ ? $q$ -- ?\n /* ? /* ? */ ? */ ,  7 "},
		{"identifier with dollar", "SELECT a$1 FROM t WHERE x = $1", []any{int64(2)}, "SELECT a$1 FROM t WHERE x =  2 "},
		{"float", "SELECT ?, ?, ?", []any{1.5, float64(3), math.Inf(-1)},
			"SELECT  CAST(1.5 AS DOUBLE) ,  CAST(3 AS DOUBLE) ,  CAST('-Infinity' AS DOUBLE) "},
		{"binary", "SELECT ?", []any{[]byte{0x00, 0x27, 0xff}}, `SELECT  from_hex('0027ff') `},
		{"time in UTC", "SELECT ?", []any{ts}, "SELECT  CAST('2024-05-06 06:08:09.123456789' AS TIMESTAMP_NS) "},
		{"E string prefix cannot be formed", "SELECT E?", []any{"\\'"}, `SELECT E '\''' `},
		{"no markers", "SELECT 1", nil, "SELECT 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Interpolate(tt.sql, tt.params)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestInterpolateErrors(t *testing.T) {
	tests := []struct {
		sql    string
		params []any
		want   string
	}{
		{"SELECT ?, ?", []any{1}, "uses parameter 2 but 1 value was bound"},
		{"SELECT ?", []any{1, 2}, "does not use parameter 2"},
		{"SELECT ?, $1", []any{1}, "mixes"},
		{"SELECT $name", []any{1}, "named parameter $name"},
		{"SELECT $0", []any{1}, "numbered from $1"},
		{"SELECT $tag$ never closed", nil, "unterminated"},
		{"SELECT ?", []any{struct{}{}}, "unsupported value type"},
		{"SELECT ?", []any{"a\x00b"}, "NUL"},
	}
	for _, tt := range tests {
		_, err := Interpolate(tt.sql, tt.params)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q %v: got %v, want an error containing %q", tt.sql, tt.params, err, tt.want)
		}
	}
}
