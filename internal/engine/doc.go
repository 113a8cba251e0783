// Package engine runs user SQL over the lakehouse's Parquet partitions with
// an embedded DuckDB (github.com/duckdb/duckdb-go/v2, DuckDB 1.5.6) and
// streams the results as Arrow record batches.
//
// # Per-query tables
//
// The lakehouse decides which partition files make up a table for one
// query and passes them to [Engine.Query] as [Table] values. Each query gets
// a dedicated pooled connection on which the tables are created as
// temporary views (read_parquet over the files, or an empty SELECT with the
// Table's schema when there are no files); the views are dropped when the
// reader is released, and a connection whose views cannot be dropped is
// discarded. Two concurrent queries may therefore use the same table name
// with different files. Tables are created by the server, never by user SQL.
//
// # Execution and streaming
//
// duckdb-go executes queries in materialized mode and has no streaming API,
// so the engine takes the native connection handle from the driver
// connection (rawconn.go, checked by TestNativeConn) and runs the query with
// duckdb_pending_prepared_streaming. DuckDB then runs the query only until
// its small result buffer is full; every Next fetches one 2048-row chunk.
// The connection stays inside sql.Conn.Raw, held by one goroutine per query,
// until the reader is released or the query's context is done; no SQL runs
// on the *sql.Conn inside Raw (that deadlocks), and Arrow.RegisterView is
// not used (it returns wrong results on projections). Cancelling the
// context (or Options.QueryTimeout) interrupts DuckDB with
// duckdb_interrupt, repeated every 50 ms until the running call returns.
// [Coalesce] (or Options.TargetBatchRows) merges the 2048-row chunks into
// larger batches for transport.
//
// # Sandbox
//
// User SQL must not read or write the server's files or reach the network.
// Three layers enforce it:
//
//  1. Statements: a query must be exactly one statement of type SELECT
//     (which includes FROM-first queries, VALUES, DESCRIBE, SHOW, SUMMARIZE
//     and PIVOT with an explicit IN list). COPY, EXPORT, ATTACH, INSTALL,
//     LOAD, SET, RESET, PRAGMA, CALL, CREATE, DROP, INSERT, EXPLAIN (EXPLAIN
//     ANALYZE would execute its statement) and multi-statement queries are
//     refused before execution.
//  2. DuckDB settings, applied globally at Open: allowed_directories =
//     Options.AllowedDirectories (plus TempDir, which DuckDB adds itself),
//     enable_external_access = false (since DuckDB 1.3 the allowed
//     directories stay readable; every other path and every URL gives a
//     "Permission Error"), autoinstall/autoload of extensions off,
//     community extensions off, and finally lock_configuration = true, so
//     nothing can be changed even through a statement that slipped past
//     layer 1. DuckDB's own prefix check is directory-aware: "/data/cache/"
//     does not allow "/data/cachex/".
//  3. Memory: memory_limit = Options.MemoryLimit (default: half of the
//     memory DuckDB detects, cgroup-aware) and temp_directory =
//     Options.TempDir (none by default: no spilling), capped by
//     max_temp_directory_size = Options.MaxTempDirectorySize. Every DuckDB
//     memory setting is global (no per-query limit), so
//     Options.MaxConcurrentQueries bounds the connections of the pool: at
//     most that many queries share memory_limit, the others wait for a
//     slot within their timeout. Out of memory errors name the limit hit
//     and the server settings that raise it (DuckDB's own advice is SET,
//     which the locked configuration refuses).
//
// User SQL can read any Parquet, CSV or JSON file inside the allowed
// directories with read_parquet and friends; those directories hold only
// the lakehouse's own data. Table files must be inside them ([Engine.Query]
// checks, with a configuration error rather than an invalid-query error).
// Go functions are not exposed; the Micromegas functions are SQL macros
// created at Open (functions.go), which user SQL cannot replace.
//
// # Time
//
// All Micromegas timestamps are Arrow timestamp[ns, tz=+00:00]. DuckDB has
// no nanosecond type with a time zone: TIMESTAMP WITH TIME ZONE has
// microsecond precision, and a Parquet timestamp with isAdjustedToUTC=true
// is read as one (losing the nanoseconds). The engine therefore settles on:
//
//   - Storage: [WriteParquet] writes top-level timestamps as Parquet
//     TIMESTAMP(NANOS, isAdjustedToUTC=false), a UTC wall clock, which DuckDB
//     reads as TIMESTAMP_NS with every nanosecond kept.
//   - SQL: time columns are TIMESTAMP_NS; the session TimeZone is UTC.
//     String literals compare directly and honor offsets
//     (time >= '2026-01-01T00:00:00Z', '...+02:00'). DuckDB refuses to
//     compare TIMESTAMP_NS with TIMESTAMP WITH TIME ZONE, so the macros
//     now(), current_timestamp, get_current_timestamp() and
//     transaction_timestamp() shadow the built-ins and return TIMESTAMP_NS;
//     time > now() - INTERVAL 1 hour works. An explicit TIMESTAMPTZ value
//     (TIMESTAMPTZ literals, to_timestamp()) still needs a cast
//     (::TIMESTAMP_NS); DuckDB says so in its error. An implicit cast
//     registered through the C API does not help: DuckDB's comparison
//     binder ignores registered casts.
//   - Output: every top-level timestamp column of a result is returned as
//     timestamp[ns, tz=+00:00]: TIMESTAMP_NS is relabelled without copying;
//     TIMESTAMP, TIMESTAMPTZ, TIMESTAMP_MS and TIMESTAMP_S (from
//     date_trunc, date_bin, interval arithmetic, literals) are converted
//     exactly to nanoseconds; a value outside 1677-2262 fails the query
//     with an invalid-query error. Timestamps nested in lists or structs are
//     returned as DuckDB exports them.
//
// # Functions
//
// properties_to_jsonb, jsonb_get, jsonb_as_string/f64/i64 and the other
// JSONB functions of the original are macros over DuckDB's built-in JSON
// type. property_get(properties, key) and properties_length(properties) work on
// properties given as the text of a JSON object (the lakehouse views), as
// JSON or as a MAP(VARCHAR, VARCHAR); property_get returns NULL for a
// missing key. date_bin(stride, source
// [, origin]) follows DataFusion (bins aligned on the Unix epoch by
// default). Dictionary-encoded string columns read back as VARCHAR.
//
// # Errors
//
// Errors caused by the query (DuckDB's parser, binder, catalog, conversion,
// permission errors, and statements the sandbox refuses) match
// [ErrInvalidQuery] with errors.Is and implement InvalidQuery() bool; their
// text is DuckDB's message. A cancelled or timed-out query returns an error
// wrapping ctx.Err().
package engine
