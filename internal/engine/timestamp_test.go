package engine

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestTimestamps(t *testing.T) {
	e, dir := openEngine(t, Options{})
	f := writeLogFile(t, dir, "a.parquet", []logRow{
		{process: "p", time: t0 - 1, msg: "before"},
		{process: "p", time: t0, msg: "at"},
		{process: "p", time: t0 + 123456789, msg: "after"},
	})
	logs := Table{Name: "log_entries", Files: []string{f}}
	tests := []struct {
		name string
		sql  string
		want [][]any
	}{
		{"nanoseconds kept", "SELECT time FROM log_entries ORDER BY time",
			[][]any{{t0 - 1}, {t0}, {t0 + 123456789}}},
		{"RFC 3339 literal", "SELECT msg FROM log_entries WHERE time >= '2026-01-01T00:00:00Z' ORDER BY time",
			[][]any{{"at"}, {"after"}}},
		{"literal with offset", "SELECT msg FROM log_entries WHERE time < '2026-01-01T02:00:00+02:00'",
			[][]any{{"before"}}},
		{"nanosecond literal", "SELECT msg FROM log_entries WHERE time > '2026-01-01T00:00:00.123456788Z'",
			[][]any{{"after"}}},
		{"now()", "SELECT count(*) FROM log_entries WHERE time < now() AND time > now() - INTERVAL '3650 days'",
			[][]any{{int64(3)}}},
		{"current_timestamp", "SELECT count(*) FROM log_entries WHERE time BETWEEN current_timestamp - INTERVAL 1 hour AND current_timestamp",
			[][]any{{int64(0)}}},
		{"date_bin", "SELECT DISTINCT date_bin('1 minute', time) FROM log_entries WHERE time >= '2026-01-01T00:00:00Z'",
			[][]any{{t0}}},
		{"date_bin with origin", "SELECT date_bin(INTERVAL 1 hour, time, TIMESTAMP '2000-01-01 00:30:00') FROM log_entries WHERE msg = 'at'",
			[][]any{{t0 - 30*60*1e9}}},
		{"timestamptz is converted", "SELECT TIMESTAMPTZ '2026-01-01 00:00:00.123456+00'",
			[][]any{{t0 + 123456000}}},
		{"naive microsecond timestamp is UTC", "SELECT TIMESTAMP '2026-01-01 00:00:01'",
			[][]any{{t0 + 1e9}}},
		{"session time zone", "SELECT current_setting('TimeZone')", [][]any{{"UTC"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := collect(t, e, tc.sql, logs)
			if !reflect.DeepEqual(got.rows, tc.want) {
				t.Errorf("got %v, want %v", got.rows, tc.want)
			}
			for _, fld := range got.schema.Fields() {
				if _, ok := fld.Type.(*arrow.TimestampType); ok && !arrow.TypeEqual(fld.Type, TimestampType) {
					t.Errorf("column %q has type %s, want %s", fld.Name, fld.Type, TimestampType)
				}
			}
		})
	}
	t.Run("now is now", func(t *testing.T) {
		got := collect(t, e, "SELECT now()")
		now := time.Unix(0, got.rows[0][0].(int64))
		if d := time.Since(now); d < 0 || d > time.Minute {
			t.Errorf("now() = %v, %v from the Go clock", now, d)
		}
		if !arrow.TypeEqual(got.schema.Field(0).Type, TimestampType) {
			t.Errorf("now() type %s", got.schema.Field(0).Type)
		}
	})
	t.Run("out of nanosecond range", func(t *testing.T) {
		_, err := tryCollect(e, "SELECT TIMESTAMP '9999-01-01'")
		if !errors.Is(err, ErrInvalidQuery) || !strings.Contains(err.Error(), "nanosecond") {
			t.Errorf("err = %v, want an invalid query error about nanosecond range", err)
		}
	})
	t.Run("stored without isAdjustedToUTC", func(t *testing.T) {
		got := collect(t, e, "SELECT logical_type FROM parquet_schema("+quoteString(f)+") WHERE name = 'time'")
		lt, _ := got.rows[0][0].(string)
		if !strings.Contains(lt, "isAdjustedToUTC=0") || !strings.Contains(lt, "NANOS") {
			t.Errorf("time stored as %q, want NANOS without isAdjustedToUTC", lt)
		}
	})
}
