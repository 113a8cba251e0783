// Package lakehouse turns raw telemetry blocks into Parquet partitions of
// queryable views and answers SQL over them with the engine.
//
// Invariants:
//   - A partition covers a half-open insert-time range [begin, end) of its
//     source blocks; it is immutable once committed. Replacing partitions
//     happens in one catalog transaction (catalog.Store.ReplacePartitions),
//     and replaced files are only deleted after an expiration, so a query
//     that listed them can still read them.
//   - Materialization is idempotent: converting the same blocks again
//     yields a partition that replaces the previous one, never a duplicate.
//   - A block whose stream or process is not yet known is not skipped while
//     it is recent: the partition stops before it, so it is converted once
//     its metadata arrives.
//
// The view set now is log_entries (global instance, updated just in time
// when a query runs). Issue 5 adds the other views, the maintenance daemon
// and view_instance.
package lakehouse
