package loadtest

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/micromegas-go/micromegas/client"
)

// Check is the result of one exactly-once check: the blocks acknowledged
// before At, against the views of an analytics node.
type Check struct {
	Label string    `json:"label"`
	At    time.Time `json:"at"`
	// Acked is the number of acknowledged blocks checked.
	Acked int `json:"acked_blocks"`
	// Missing blocks were acknowledged but are not in the blocks view;
	// Duplicated ones appear more than once.
	Missing    int `json:"missing_blocks"`
	Duplicated int `json:"duplicated_blocks"`
	// Mismatched blocks (log and metrics) have a number of rows in
	// log_entries or measures other than their number of events.
	Mismatched int `json:"mismatched_blocks"`
	// DuplicateLines counts log lines seen more than once.
	DuplicateLines int64 `json:"duplicate_lines"`
	// Seconds is how long the check's queries took.
	Seconds float64 `json:"seconds"`
	Err     string  `json:"error,omitempty"`
}

// OK reports whether every acknowledged block is there exactly once.
func (c Check) OK() bool {
	return c.Err == "" && c.Missing == 0 && c.Duplicated == 0 && c.Mismatched == 0 && c.DuplicateLines == 0
}

func (c Check) String() string {
	if c.Err != "" {
		return fmt.Sprintf("%s: check failed: %s", c.Label, c.Err)
	}
	return fmt.Sprintf("%s: %d acknowledged blocks: %d missing, %d duplicated, %d with wrong row counts, %d duplicate lines (%.1f s)",
		c.Label, c.Acked, c.Missing, c.Duplicated, c.Mismatched, c.DuplicateLines, c.Seconds)
}

// sqlTime is a DuckDB timestamp literal.
func sqlTime(t time.Time) string {
	return "TIMESTAMP '" + t.UTC().Format("2006-01-02 15:04:05.999999") + "'"
}

// checkExactlyOnce compares the blocks acknowledged before at with what
// the analytics node at addr answers: each in the blocks view once, and,
// for log and metrics blocks, as many rows in log_entries and measures as
// it has events; no log line twice.
func checkExactlyOnce(ctx context.Context, addr, label string, at time.Time, acked map[string]ackedBlock) (c Check) {
	c = Check{Label: label, At: at, Acked: len(acked)}
	start := time.Now()
	defer func() { c.Seconds = time.Since(start).Seconds() }()
	before := sqlTime(at.Add(time.Second)) // an acknowledged block was inserted before its acknowledgement
	rows, err := queryRows(ctx, addr, `SELECT block_id, count(*) FROM blocks WHERE insert_time < `+before+` GROUP BY block_id`, client.TimeRange{})
	if err != nil {
		c.Err = err.Error()
		return c
	}
	seen := make(map[string]int64, len(rows))
	for _, r := range rows {
		n, _ := strconv.ParseInt(r[1], 10, 64)
		seen[r[0]] = n
		if n > 1 {
			c.Duplicated++
		}
	}
	for id := range acked {
		if seen[id] == 0 {
			c.Missing++
		}
	}
	for _, v := range []struct{ view, tag string }{{"log_entries", "log"}, {"measures", "metrics"}} {
		sql := `SELECT count(*) FROM blocks b LEFT JOIN (
				SELECT block_id, count(*) AS n FROM ` + v.view + ` WHERE insert_time < ` + before + ` GROUP BY block_id
			) r ON r.block_id = b.block_id
			WHERE list_contains(b."streams.tags", '` + v.tag + `') AND b.insert_time < ` + before + `
			AND b.nb_objects <> coalesce(r.n, 0)`
		n, err := queryInt(ctx, addr, sql)
		if err != nil {
			c.Err = err.Error()
			return c
		}
		c.Mismatched += int(n)
	}
	n, err := queryInt(ctx, addr, `SELECT count(*) - count(DISTINCT process_id || msg) FROM log_entries
		WHERE starts_with(target, '`+LogTarget+`') AND insert_time < `+before)
	if err != nil {
		c.Err = err.Error()
		return c
	}
	c.DuplicateLines = n
	return c
}

// queryInt runs a query answering one integer.
func queryInt(ctx context.Context, addr, sql string) (int64, error) {
	rows, err := queryRows(ctx, addr, sql, client.TimeRange{})
	if err != nil {
		return 0, err
	}
	if len(rows) != 1 || len(rows[0]) != 1 {
		return 0, fmt.Errorf("%s: %d rows, want one value", sql, len(rows))
	}
	if rows[0][0] == "(null)" {
		return 0, nil
	}
	return strconv.ParseInt(rows[0][0], 10, 64)
}
