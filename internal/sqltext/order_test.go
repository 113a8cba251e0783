package sqltext

import "testing"

// eventTimeColumns are the lakehouse's event-time columns.
var eventTimeColumns = map[string]bool{"time": true, "begin": true, "end": true, "time_bin": true}

// TestNewestFirst checks which texts order by an event-time column
// descending.
func TestNewestFirst(t *testing.T) {
	for _, c := range []struct {
		sql  string
		want bool
	}{
		{`SELECT time, msg FROM log_entries ORDER BY time DESC LIMIT 10`, true},
		{`select * from log_entries order by time desc`, true},
		{`SELECT * FROM log_entries l ORDER BY l.time DESC, msg`, true},
		{`SELECT * FROM log_entries ORDER BY "time" DESC`, true},
		{`SELECT * FROM view_instance('thread_spans', 's') ORDER BY begin DESC`, true},
		{`SELECT * FROM log_stats ORDER BY time_bin DESC`, true},
		{`SELECT * FROM (SELECT * FROM log_entries ORDER BY time DESC LIMIT 5) ORDER BY time`, true},

		{`SELECT * FROM log_entries ORDER BY time LIMIT 10`, false},
		{`SELECT * FROM log_entries ORDER BY time ASC`, false},
		{`SELECT * FROM log_entries ORDER BY msg DESC`, false},
		{`SELECT * FROM log_entries ORDER BY level DESC, time DESC`, false},
		{`SELECT * FROM log_entries WHERE msg = 'ORDER BY time DESC'`, false},
		{`SELECT * FROM log_entries -- ORDER BY time DESC`, false},
		{`SELECT time FROM log_entries`, false},
	} {
		toks, err := Scan(c.sql)
		if err != nil {
			t.Fatal(err)
		}
		if got := NewestFirst(toks, eventTimeColumns); got != c.want {
			t.Errorf("NewestFirst(%s) = %v, want %v", c.sql, got, c.want)
		}
	}
}
