package lakehouse

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/engine"
)

func TestBindTableArgs(t *testing.T) {
	ts := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	tests := []struct {
		name     string
		sql      string
		args     []any
		wantSQL  string
		wantRest []any
	}{
		{"no table function: unchanged",
			"SELECT * FROM log_entries WHERE msg = ? AND level < ?", []any{"a", int64(3)},
			"SELECT * FROM log_entries WHERE msg = ? AND level < ?", []any{"a", int64(3)}},
		{"view_instance args become literals, others renumbered",
			"SELECT msg FROM view_instance(?, ?) WHERE msg = ? AND time > ?", []any{"log_entries", "p'1", "x' OR 1=1 --", ts},
			"SELECT msg FROM view_instance( 'log_entries' ,  'p''1' ) WHERE msg = $1 AND time > $2", []any{"x' OR 1=1 --", ts}},
		{"numbered markers shared by a call and the query",
			"SELECT $2, msg FROM view_instance('log_entries', $1) WHERE process_id = $1", []any{"p1", int64(7)},
			"SELECT $1, msg FROM view_instance('log_entries',  'p1' ) WHERE process_id = $2", []any{int64(7), "p1"}},
		{"markers in strings and comments are not markers",
			"SELECT '?' FROM view_instance('log_entries', ?) -- ?\n WHERE msg = ?", []any{"p", "m"},
			"SELECT '?' FROM view_instance('log_entries',  'p' ) -- ?\n WHERE msg = $1", []any{"m"}},
		{"time and number literals",
			"SELECT * FROM list_partitions(?, ?)", []any{ts, int64(-3)},
			"SELECT * FROM list_partitions( CAST('2026-01-02 03:04:05.000000006' AS TIMESTAMP_NS) ,  (-3) )", nil},
	}
	l := &Lakehouse{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sql, rest, err := l.bindTableArgs(tt.sql, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if sql != tt.wantSQL {
				t.Errorf("sql = %q\nwant  %q", sql, tt.wantSQL)
			}
			if !reflect.DeepEqual(rest, tt.wantRest) {
				t.Errorf("rest = %#v, want %#v", rest, tt.wantRest)
			}
		})
	}
}

func TestBindTableArgsErrors(t *testing.T) {
	tests := []struct {
		sql  string
		args []any
		want string
	}{
		{"SELECT * FROM view_instance(?, ?)", []any{"log_entries"}, "the query uses parameter 2 but 1 value was bound"},
		{"SELECT * FROM view_instance(?, ?)", []any{"log_entries", "p", "x"}, "3 values were bound but the query does not use parameter 3"},
		{"SELECT * FROM view_instance(?, $2)", []any{"log_entries", "p"}, "mixes ? and $N"},
		{"SELECT * FROM view_instance(?, 'p')", []any{struct{}{}}, "unsupported value type"},
	}
	l := &Lakehouse{}
	for _, tt := range tests {
		_, _, err := l.bindTableArgs(tt.sql, tt.args)
		if !errors.Is(err, engine.ErrInvalidQuery) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("bindTableArgs(%q, %v) err = %v, want an invalid query error containing %q", tt.sql, tt.args, err, tt.want)
		}
	}
}
