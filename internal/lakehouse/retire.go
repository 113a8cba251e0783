package lakehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// RetirePartitions retires the partitions of a view instance whose insert
// range lies within [begin, end] (spec 6, retire_partitions): their rows
// are deleted and their files scheduled for deletion once
// RetiredFileExpiration passes, in one catalog transaction, so a query
// that listed them can still read them. The daemon rebuilds what was
// retired of a global view. It returns the number of partitions retired.
func (l *Lakehouse) RetirePartitions(ctx context.Context, view, instance string, begin, end time.Time) (int, error) {
	v, ok := lookupView(view)
	if !ok || (v.sql != "" && v.instance == noInstance) {
		return 0, &QueryError{fmt.Errorf("retire_partitions: %q is not a view set with partitions", view)}
	}
	if instance == "" {
		return 0, &QueryError{fmt.Errorf("retire_partitions: empty view instance id (want 'global', a process id or a stream id)")}
	}
	if end.Before(begin) {
		return 0, &QueryError{fmt.Errorf("retire_partitions: end %v is before begin %v", end, begin)}
	}
	retired, err := l.deletePartitions(ctx, v, instance, begin, end)
	if err != nil {
		return 0, fmt.Errorf("retire_partitions: %w", err)
	}
	return len(retired), nil
}

// deletePartitions deletes the partitions of a view instance whose insert
// range lies within [begin, end], their files expiring after
// RetiredFileExpiration. A zero begin is no lower bound (the catalog's
// PartitionRange reads it so), which is what the zero time means anyway.
func (l *Lakehouse) deletePartitions(ctx context.Context, v *viewSet, instance string, begin, end time.Time) ([]catalog.Partition, error) {
	deleted, err := l.opts.Catalog.DeletePartitions(ctx, catalog.PartitionRange{
		ViewSetName: v.name, ViewInstanceID: instance, Begin: begin, End: end,
	}, time.Now().Add(l.opts.RetiredFileExpiration))
	if err != nil {
		return nil, fmt.Errorf("delete %s/%s partitions in [%s, %s]: %w", v.name, instance,
			begin.Format(time.RFC3339Nano), end.Format(time.RFC3339Nano), err)
	}
	l.log.Debug("partitions deleted", "view", v.name, "instance", instance, "begin", begin, "end", end, "deleted", len(deleted))
	return deleted, nil
}

// isMarker reports whether p is an empty partition that counts no source
// object. Versions before DeletePartitions wrote such "markers" in place
// of retired partitions; they carry no data and are ignored where they
// overlap other partitions. Nothing writes them any more.
func isMarker(p catalog.Partition) bool { return p.NumRows == 0 && sourceCount(p) == 0 }
