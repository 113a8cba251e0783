package main

import (
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/micromegas-go/micromegas/internal/app"
)

// queryLimitFlags registers the flags bounding each query of serve (with
// MICROMEGAS_* env fallbacks) and returns a function that sets them in a
// Config.
func queryLimitFlags(fs *flag.FlagSet) func(*app.Config) error {
	timeout := fs.String("query-timeout", envOr("MICROMEGAS_QUERY_TIMEOUT", app.DefaultQueryTimeout.String()),
		"longest a query may run, including streaming its result (Go duration: 30s, 5m); 0 = no limit (env MICROMEGAS_QUERY_TIMEOUT)")
	memory := fs.String("query-memory", envOr("MICROMEGAS_QUERY_MEMORY", ""),
		"memory DuckDB may use for all running queries together (DuckDB memory_limit: 4GB, 512MiB); empty = half of the machine's or cgroup's memory (env MICROMEGAS_QUERY_MEMORY)")
	concurrent := fs.String("max-concurrent-queries", envOr("MICROMEGAS_MAX_CONCURRENT_QUERIES", strconv.Itoa(app.DefaultMaxConcurrentQueries)),
		"queries running at once, the others wait for a slot within their timeout; running queries share --query-memory, so with all slots busy each has about --query-memory divided by this; 0 = no bound (env MICROMEGAS_MAX_CONCURRENT_QUERIES)")
	temp := fs.String("query-temp-size", envOr("MICROMEGAS_QUERY_TEMP_SIZE", app.DefaultQueryTempSize),
		"disk space queries may spill to in --data-dir/tmp when they need more than --query-memory (DuckDB max_temp_directory_size) (env MICROMEGAS_QUERY_TEMP_SIZE)")
	return func(cfg *app.Config) error {
		d, err := time.ParseDuration(*timeout)
		if err != nil || d < 0 {
			return fmt.Errorf("--query-timeout: want a duration such as 30s or 5m (0 for none), got %q", *timeout)
		}
		cfg.QueryTimeout = d
		if d == 0 {
			cfg.QueryTimeout = -1
		}
		n, err := strconv.Atoi(*concurrent)
		if err != nil || n < 0 {
			return fmt.Errorf("--max-concurrent-queries: want a number of queries (0 for no bound), got %q", *concurrent)
		}
		cfg.MaxConcurrentQueries = n
		if n == 0 {
			cfg.MaxConcurrentQueries = -1
		}
		cfg.QueryMemory, cfg.QueryTempSize = *memory, *temp
		return nil
	}
}
