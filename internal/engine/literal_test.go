package engine

import (
	"math"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/sqlliteral"
)

// TestLiteralsRoundTrip checks that sqlliteral renders every supported Go
// value as DuckDB SQL that DuckDB reads back as the same value and type.
func TestLiteralsRoundTrip(t *testing.T) {
	e, _ := openEngine(t, Options{})
	ts := time.Date(2026, 11, 24, 10, 11, 12, 123456789, time.FixedZone("x", 3600))
	tests := []struct {
		v        any
		wantType string
		want     string // the value as DuckDB prints it in VARCHAR
	}{
		{nil, "\"NULL\"", ""},
		{true, "BOOLEAN", "true"},
		{int64(-42), "INTEGER", "-42"},
		{math.MinInt64, "BIGINT", "-9223372036854775808"},
		{uint64(math.MaxUint64), "HUGEINT", "18446744073709551615"}, // the literal is too large for BIGINT
		{3.0, "DOUBLE", "3.0"},
		{-1.5e300, "DOUBLE", "-1.5e+300"},
		{math.Inf(-1), "DOUBLE", "-inf"},
		{"it's ' OR 1=1 --", "VARCHAR", "it's ' OR 1=1 --"},
		{[]byte{0, 0x27, 0xff}, "BLOB", `\x00\x27\xFF`},
		{ts, "TIMESTAMP_NS", "2026-11-24 09:11:12.123456789"},
	}
	for _, tc := range tests {
		lit, err := sqlliteral.Literal(tc.v)
		if err != nil {
			t.Fatalf("%v: %v", tc.v, err)
		}
		got := collect(t, e, "SELECT typeof("+lit+"), CAST("+lit+" AS VARCHAR)")
		if len(got.rows) != 1 {
			t.Fatalf("%s: %d rows", lit, len(got.rows))
		}
		typ, val := got.rows[0][0], got.rows[0][1]
		if typ != tc.wantType || (tc.v != nil && val != tc.want) {
			t.Errorf("%T %v as %s: got %v %v, want %s %s", tc.v, tc.v, lit, typ, val, tc.wantType, tc.want)
		}
	}
	for _, bad := range []any{"nul\x00", "\xff", struct{}{}} {
		if lit, err := sqlliteral.Literal(bad); err == nil {
			t.Errorf("%q rendered as %s, want an error", bad, lit)
		}
	}
}
