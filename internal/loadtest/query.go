package loadtest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/micromegas-go/micromegas/client"
)

// queryRows runs sql on the FlightSQL service at addr and returns every
// row as the text of its cells.
func queryRows(ctx context.Context, addr, sql string, tr client.TimeRange) ([][]string, error) {
	c, err := client.Dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return rowsOf(ctx, c, sql, tr)
}

// rowsOf runs sql with c and returns every row as the text of its cells.
func rowsOf(ctx context.Context, c *client.Client, sql string, tr client.TimeRange) ([][]string, error) {
	rdr, err := c.Query(ctx, sql, tr)
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	var out [][]string
	for rdr.Next() {
		rec := rdr.RecordBatch()
		for i := range int(rec.NumRows()) {
			row := make([]string, rec.NumCols())
			for j, col := range rec.Columns() {
				row[j] = strings.Clone(col.ValueStr(i))
			}
			out = append(out, row)
		}
	}
	return out, rdr.Err()
}

// Query is one query of the fixed set the queriers run.
type Query struct {
	Name, SQL string
}

// QuerySet is what the queriers ask, each over the last 10 minutes: the
// questions of the peer comparison and two on metrics and log_stats.
var QuerySet = []Query{
	{"count_by_level", `SELECT level, count(*) AS n FROM log_entries GROUP BY level ORDER BY level`},
	{"substring", `SELECT count(*) AS n FROM log_entries WHERE msg LIKE '%served in 42%'`},
	{"per_minute", `SELECT date_trunc('minute', time) AS minute, count(*) AS n FROM log_entries GROUP BY 1 ORDER BY 1`},
	{"latest_100", `SELECT time, target, msg FROM log_entries WHERE msg LIKE '%slow%' ORDER BY time DESC LIMIT 100`},
	{"metric_avg", `SELECT name, avg(value) AS v, count(*) AS n FROM measures GROUP BY name`},
	{"log_stats", `SELECT level, sum(count) AS n FROM log_stats GROUP BY level`},
}

// querier runs QuerySet in a loop against one analytics node and records
// latencies and errors.
type querier struct {
	node *node

	inFlight atomic.Int32
	mu       sync.Mutex
	latency  map[string][]time.Duration
	errs     []time.Time // when each failed query ended
	lastErr  error
}

func (q *querier) run(ctx context.Context) {
	var (
		c     *client.Client
		cAddr string
	)
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	for i := 0; ctx.Err() == nil; i++ {
		qu := QuerySet[i%len(QuerySet)]
		addr := q.node.addr("flightsql")
		if addr == "" { // the node is down: wait for its restart
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		if addr != cAddr { // restarted on another port
			if c != nil {
				c.Close()
			}
			var err error
			if c, err = client.Dial(ctx, addr); err != nil {
				c, cAddr = nil, ""
				continue
			}
			cAddr = addr
		}
		start := time.Now()
		q.inFlight.Add(1)
		qctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		_, err := rowsOf(qctx, c, qu.SQL, client.Last(10*time.Minute))
		cancel()
		q.inFlight.Add(-1)
		q.mu.Lock()
		if err != nil && ctx.Err() == nil {
			q.errs = append(q.errs, time.Now())
			q.lastErr = err
		} else if err == nil {
			q.latency[qu.Name] = append(q.latency[qu.Name], time.Since(start))
		}
		q.mu.Unlock()
	}
}

// errorsBetween counts the queries that failed in [from, to].
func (q *querier) errorsBetween(from, to time.Time) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for _, t := range q.errs {
		if !t.Before(from) && !t.After(to) {
			n++
		}
	}
	return n
}

// answered counts the successful queries so far.
func (q *querier) answered() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for _, l := range q.latency {
		n += len(l)
	}
	return n
}

// waitInFlight waits until a query is running on the node.
func (q *querier) waitInFlight(ctx context.Context) error {
	for q.inFlight.Load() == 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("no query in flight on %s: %w", q.node.name, ctx.Err())
		case <-time.After(time.Millisecond):
		}
	}
	return nil
}
