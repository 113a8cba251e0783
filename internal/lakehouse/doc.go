// Package lakehouse turns raw telemetry blocks into Parquet partitions of
// queryable views and answers SQL over them with the engine.
//
// # Views (spec 5.2)
//
// Global tables: blocks (every block joined with its stream and process),
// log_entries, measures, log_stats, measure_stats and otel_spans
// (materialized partitions), and
// processes and streams (SQL over blocks, computed per query: one GROUP BY
// over a row per block, cheap next to the event views, so they are not
// materialized).
// Through view_instance(view_set, id): log_entries, measures,
// otel_spans, async_events and goroutine_states (the execution-trace
// snapshots of the flight recorder, goroutines.go) of one process,
// thread_spans of one thread stream (call trees rebuilt from begin/end
// events), all converted just in time. Blocks are converted by the format of their stream: transit
// blocks through their type metadata, OTLP export requests (otlp.go)
// into the same log_entries, log_stats, measures and measure_stats rows
// and into otel_spans, whose files are sorted by trace id and carry a
// Bloom filter of their trace ids (tracefilter.go).
// Properties are the text of JSON objects (props.go); strings (properties
// included) are dictionary-encoded in
// the files where spec 5.2 says so (dict16, log_stats included, and in
// the files merges write from engine results: the dictwrite package) and read
// back as VARCHAR. Every row group has its own dictionaries, so a
// partition may hold any number of distinct strings (sinkdict.go).
//
// # Partitions
//
// A partition covers a half-open insert-time range [begin, end) of its
// source blocks of one view instance and records how many source blocks
// it was made from (source_data_hash, 8 bytes little-endian). Files are
// Parquet (LZ4_RAW) at views/{view}/{instance}/{date}/{time}_{uuid}.parquet.
// A partition is committed in one catalog transaction that retires the
// partitions of the instance its range contains; retired files are
// deleted only after RetiredFileExpiration, so a query that listed them
// can still read them. retire_partitions, retention and the re-cutting of
// just-in-time chunks delete partitions with catalog.DeletePartitions,
// which schedules their files the same way in the same transaction.
// Versions before it left an empty partition that counts no source (a
// "marker") in place of what they retired; such markers hold no rows and
// are still ignored where they overlap other slices.
//
// # Global views: daemon partitions plus a per-query tail
//
// The maintenance daemon (package maintenance) is the only writer of
// global partitions: MaterializeRange rebuilds an aligned slice from its
// blocks when the block count differs from the partitions' source counts,
// and merges the partitions of a slice when they agree, so seconds become
// minutes, hours (and days for blocks), and a late block makes its slice
// rebuilt at the next minute or hour check. A query reads the global
// partitions and converts the blocks inserted after the last partition
// into a per-query file deleted when the query ends: fresh data is visible
// at once and nothing is counted twice, whatever the daemon is doing.
// Without a daemon, every query converts the whole tail.
//
// log_stats (one row per minute, process, level and target, with a
// count) is made from the log blocks like log_entries: each block's
// entries are counted per key, a partition written from blocks holds one
// row per key, and compaction sums the counts of equal keys. Partitions
// of different insert ranges, and the tail, still hold equal keys, so
// queries read log_stats through a view that sums them again
// (logstats.go); each block is counted once, in a partition or in the
// tail. A query range keeps the bins that begin within it, counted whole
// (the original's filter on time_bin); the tail then also takes the
// blocks of the minute after the range, whose entries may fall in its
// last bin.
//
// # Just-in-time views
//
// view_instance cuts the blocks of the instance (ordered by insert time)
// into chunks that never cross an hour of insert time and hold at most
// MaxBlocksPerPartition blocks and MaxObjectsPerPartition events. A
// chunk's range depends only on the blocks, so queries with different
// time ranges agree; a chunk whose partition has the same range and
// source count is reused, else it is converted again and replaces it.
// Only chunks with a block meeting the query's time range are converted
// and read.
//
// # Time ranges
//
// QueryOptions.Begin/End (the FlightSQL query_range headers) select the
// partitions whose event times overlap the range, and every view is
// filtered by it (log_entries, measures, async_events: time BETWEEN;
// thread_spans: begin <= end AND end >= begin; blocks: begin_time <= end
// AND insert_time >= begin; log_stats: time_bin BETWEEN). The filter is
// evaluated only on the files of partitions that straddle the range: a
// partition whose event times lie wholly inside it is read unfiltered
// (engine.Table.Inside), so a range covering everything costs nothing.
//
// Time predicates of the SQL text narrow the range of one table further
// (timepredicates.go): a comparison of a time column with a constant that
// is a top-level AND term of the WHERE of the SELECT whose FROM names the
// table (a global view named once, or a view_instance call), with no OR
// or CASE at that level and no ambiguity about the column. Lower bounds
// come from columns never above a row's largest event time (time, end,
// insert_time, end_time, time_bin), upper bounds from columns never below
// its smallest (time, begin, begin_time, time_bin). The constants
// (literals, parameter markers bound to a time or a string and used once
// in the query, now() ± INTERVAL for lower bounds) are evaluated by the
// engine, markers with their bound values, and widened by a second. Such
// a range only selects partitions and blocks; the WHERE filters the rows,
// so results are those of the unpruned query.
//
// # SQL functions
//
// Table functions are replaced before the SQL reaches DuckDB: a small
// tokenizer (package sqltext, aware of string literals, quoted identifiers and
// comments) finds view_instance, list_partitions, list_view_sets,
// retire_partitions and materialize_partitions calls, runs them, and
// substitutes a per-query table. get_payload and retire_partition_by_file
// are Go scalar functions; the histogram functions, property_get and
// date_bin are engine macros. retire_partitions, materialize_partitions
// and retire_partition_by_file are refused unless QueryOptions.Admin.
//
// # Remote object stores
//
// DuckDB reads local files only: partition files of a remote store are
// copied into CacheDir, a cache bounded by CacheBytes that evicts the
// least recently used files no running query reads.
package lakehouse
