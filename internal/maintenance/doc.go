// Package maintenance is the maintenance daemon: it keeps the global views
// of the lakehouse materialized and compacted, and applies retention.
//
// Schedule (spec 5.7). Each task runs at trunc(now, period) + period +
// offset, then every period, in its own goroutine, and processes a range
// relative to its truncated run time T:
//
//	every second (+500 ms): [last, T−1s), 1 s slices (in steady state
//	                         [T−2s, T−1s)); skipped when more than 10 s late
//	every minute (+30 s):   [T−2m, T−1m), 1 min slices (merges the seconds)
//	every hour   (+10 min): retention first, then [T−2h, T), 1 h slices
//	every day    (+4 h):    [T−2d, T), 1 day slices (views whose largest
//	                         partition is a day: blocks)
//
// Views are processed in dependency order (blocks, then log_entries and
// measures). At start the second task resumes where the partitions end,
// materializing any backlog in the largest aligned slices. A slice is
// rebuilt from the blocks when the blocks' count differs from the source
// counts of its partitions (a late block, a missed second), and merged
// when they agree (lakehouse.MaterializeRange), so repeated or concurrent
// runs (two daemons) converge on the same partitions.
//
// Retention (spec 5.8), hourly: blocks inserted before now − Retention
// (their objects, then their rows, in batches of 1000), streams without
// blocks and processes without streams or blocks inserted before that,
// and the partitions of every view ending by it: their rows are deleted
// and their files become temporary files, kept RetiredFileExpiration for
// queries in flight. Then temporary files whose expiration passed are
// deleted from the object store and the catalog. Only rows inserted
// before the expiration time are candidates, so a young stream about to
// receive its first block is never deleted.
package maintenance
