package app

import (
	"context"
	"database/sql"
	"testing"
	"time"

	_ "github.com/apache/arrow-go/v18/arrow/flight/flightsql/driver"
)

// TestQueryParametersRealEngine runs parameterized queries through the
// arrow-go database/sql driver, which sends them as prepared statements
// with bound parameters, against the real engine.
func TestQueryParametersRealEngine(t *testing.T) {
	a := startApp(t)
	fx := emitTelemetry(t, a)
	db, err := sql.Open("flightsql", "flightsql://"+a.FlightSQLAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	count := func(t *testing.T, query string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			t.Fatalf("%s %v: %v", query, args, err)
		}
		return n
	}
	if n := count(t, "SELECT count(*) FROM log_entries WHERE level <= ? AND target = ?", 3, "fixture/log"); n != fixLines {
		t.Errorf("count = %d, want %d", n, fixLines)
	}
	if n := count(t, "SELECT count(*) FROM log_entries WHERE level < $1", 3); n != 0 {
		t.Errorf("count(level < 3) = %d, want 0", n)
	}
	// Parameters work inside view_instance, which the lakehouse plans
	// from literal arguments.
	if n := count(t, "SELECT count(*) FROM view_instance('log_entries', ?)", fx.processID); n != fixLines {
		t.Errorf("view_instance count = %d, want %d", n, fixLines)
	}
	// Timestamps bind as timestamps.
	if n := count(t, "SELECT count(*) FROM log_entries WHERE time BETWEEN ? AND ?", fx.begin, fx.end); n != fixLines {
		t.Errorf("count in [begin, end] = %d, want %d", n, fixLines)
	}
	// A string parameter stays a value: quotes cannot end it.
	if n := count(t, "SELECT count(*) FROM log_entries WHERE msg = ?", "x' OR '1'='1"); n != 0 {
		t.Errorf("injection attempt matched %d rows", n)
	}
}
