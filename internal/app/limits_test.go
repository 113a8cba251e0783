package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestEngineOptionsDefaults(t *testing.T) {
	for _, c := range []struct {
		cfg         Config
		timeout     time.Duration
		concurrency int
		temp        string
	}{
		{Config{}, DefaultQueryTimeout, DefaultMaxConcurrentQueries, DefaultQueryTempSize},
		{Config{QueryTimeout: -1, MaxConcurrentQueries: -1, QueryTempSize: "1GB"}, 0, 0, "1GB"},
		{Config{QueryTimeout: time.Second, MaxConcurrentQueries: 3}, time.Second, 3, DefaultQueryTempSize},
	} {
		o := engineOptions(c.cfg, nil, "/tmp/x")
		if o.QueryTimeout != c.timeout || o.MaxConcurrentQueries != c.concurrency || o.MaxTempDirectorySize != c.temp {
			t.Errorf("%+v: got timeout %v, concurrency %d, temp %q", c.cfg, o.QueryTimeout, o.MaxConcurrentQueries, o.MaxTempDirectorySize)
		}
	}
}

// TestQueryLimits runs, through FlightSQL, a query longer than the query
// timeout and one needing more memory than the limit, and checks both
// fail with an error saying so while the server keeps answering.
func TestQueryLimits(t *testing.T) {
	a, err := Start(context.Background(), Config{DataDir: t.TempDir(), IngestionAddr: "127.0.0.1:0", FlightSQLAddr: "127.0.0.1:0", OTLPGRPCAddr: "127.0.0.1:0",
		WebAddr: "127.0.0.1:0", QueryTimeout: time.Second, QueryMemory: "64MB", QueryTempSize: "1MB", MaxConcurrentQueries: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	cl := newFlightClient(t, a.FlightSQLAddr().String())
	run := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		info, err := cl.Execute(ctx, sql)
		if err != nil {
			return err
		}
		rdr, err := cl.DoGet(ctx, info.Endpoint[0].Ticket)
		if err != nil {
			return err
		}
		defer rdr.Release()
		for rdr.Next() {
		}
		return rdr.Err()
	}
	// A cross join that runs for minutes.
	start := time.Now()
	err = run("SELECT sum(a.range * b.range) FROM range(200000) a, range(200000) b")
	if status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("long query: %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the long query took %v to stop", d)
	}
	// A 200 MB string needs more than 64MB (and spilling is capped at 1MB).
	err = run("SELECT length(string_agg(repeat('x', 1000), ',')) FROM range(200000)")
	if err == nil || !strings.Contains(err.Error(), "Out of Memory") || !strings.Contains(err.Error(), "--query-memory") {
		t.Errorf("query over the memory limit: %v, want an out of memory error naming --query-memory", err)
	}
	if err := run("SELECT 42"); err != nil {
		t.Errorf("query after the limits: %v", err)
	}
}
