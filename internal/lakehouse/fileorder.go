package lakehouse

import (
	"slices"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// File order: a hint for the top-N queries of log search.
//
// DuckDB answers ORDER BY time [DESC] LIMIT n over Parquet files by
// keeping the n best rows seen so far and skipping the row groups whose
// time statistics cannot beat the worst of them (a dynamic filter). It
// starts with the files listed first: when those hold the winning rows,
// the rest are skipped without being decoded. "The latest 100 messages
// containing X" then reads about one partition instead of the day.
//
// So the files of a view are listed by event time: oldest first (by
// their first event), or newest first (by their last event, the tail of
// recent blocks before every partition) when the query orders by an
// event-time column descending. The order of a view's files never
// changes which rows it has: this is only a hint, and a text that merely
// looks like such an ORDER BY costs nothing but the hint.

// eventTimeColumns are the columns whose order follows the partitions'
// event times (time of logs and metrics, begin and end of spans, the
// minute of the stats views): sqltext.NewestFirst of these makes a
// query newest first.
var eventTimeColumns = map[string]bool{"time": true, "begin": true, "end": true, "time_bin": true}

// sortByEventTime orders partitions oldest first by their first event, or
// newest first by their last event; ties keep the catalog's order.
func sortByEventTime(parts []catalog.Partition, newest bool) {
	slices.SortStableFunc(parts, func(a, b catalog.Partition) int {
		if newest {
			return b.MaxEventTime.Compare(a.MaxEventTime)
		}
		return a.MinEventTime.Compare(b.MinEventTime)
	})
}
