package lakehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// RetirePartitions retires the partitions of a view instance whose insert
// range lies within [begin, end] (spec 6, retire_partitions). Their files
// are deleted once RetiredFileExpiration passes. The catalog has no
// plain delete of partition rows, so an empty partition covering [begin,
// end] takes their place; it holds no rows, counts no source object and
// is ignored where it overlaps materialized slices, so the daemon rebuilds
// what was retired. It returns the number of partitions retired.
func (l *Lakehouse) RetirePartitions(ctx context.Context, view, instance string, begin, end time.Time) (int, error) {
	v, ok := lookupView(view)
	if !ok || (v.sql != "" && v.instance == noInstance) {
		return 0, &QueryError{fmt.Errorf("retire_partitions: %q is not a view set with partitions", view)}
	}
	if end.Before(begin) {
		return 0, &QueryError{fmt.Errorf("retire_partitions: end %v is before begin %v", end, begin)}
	}
	marker := catalog.Partition{ViewSetName: v.name, ViewInstanceID: instance, BeginInsertTime: begin,
		EndInsertTime: end, FileSchemaHash: v.hash, SourceDataHash: encodeSourceCount(0)}
	retired, err := l.opts.Catalog.ReplacePartitions(ctx, marker, time.Now().Add(l.opts.RetiredFileExpiration))
	if err != nil {
		return 0, fmt.Errorf("retire_partitions: %w", err)
	}
	return len(retired), nil
}

// isMarker reports whether p is an empty partition that counts no source
// object: it stands for retired partitions and carries no data.
func isMarker(p catalog.Partition) bool { return p.NumRows == 0 && sourceCount(p) == 0 }
