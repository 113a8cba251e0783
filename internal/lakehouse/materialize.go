package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// MaterializeRange brings the global partitions of a materialized view up
// to date for the block insert range [begin, end), one slice of delta at a
// time (spec 5.5). For each slice it compares the number of source blocks
// with the source counts of the partitions inside the slice: no
// partition, or a different count, rebuilds the slice from the blocks;
// equal counts in several partitions merge them into one; a partition
// reaching outside the slice leaves the slice alone. Each result is
// committed in one catalog transaction that retires what it replaces, so
// running it twice, or from two daemons at once, converges on the same
// partitions; a slice that another daemon covered with a larger partition
// meanwhile is left alone (catalog.ErrSuperseded), so partitions never
// overlap. It returns the number of partitions written.
func (l *Lakehouse) MaterializeRange(ctx context.Context, view string, begin, end time.Time, delta time.Duration) (int, error) {
	v, ok := lookupView(view)
	if !ok || !v.materialized() {
		return 0, fmt.Errorf("materialize %q: not a materialized global view (want one of %v)", view, materializedNames())
	}
	if delta <= 0 || !end.After(begin) {
		return 0, fmt.Errorf("materialize %s: want a positive delta and begin < end, got delta %v, [%v, %v)", view, delta, begin, end)
	}
	if delta > v.maxDelta {
		delta = v.maxDelta
	}
	parts, err := l.listInstance(ctx, v, GlobalInstance)
	if err != nil {
		return 0, err
	}
	written := 0
	for s := begin; s.Before(end); s = s.Add(delta) {
		e := s.Add(delta)
		if e.After(end) {
			e = end
		}
		n, err := l.materializeSlice(ctx, v, parts, s, e)
		if errors.Is(err, catalog.ErrSuperseded) {
			// Another daemon covered the slice with a larger partition
			// since parts was listed: nothing to do here, as when the
			// list shows one.
			l.log.Debug("materialization superseded", "view", view, "begin", s, "end", e)
			n, err = 0, nil
		}
		if err != nil {
			return written, fmt.Errorf("materialize %s [%s, %s): %w", view, s.Format(time.RFC3339Nano), e.Format(time.RFC3339Nano), err)
		}
		written += n
	}
	return written, nil
}

func materializedNames() []string {
	var out []string
	for _, v := range viewSets {
		if v.materialized() {
			out = append(out, v.name)
		}
	}
	return out
}

// listInstance lists the partitions of one view instance with the
// current schema.
func (l *Lakehouse) listInstance(ctx context.Context, v *viewSet, instance string) ([]catalog.Partition, error) {
	parts, err := l.opts.Catalog.ListPartitions(ctx, catalog.PartitionFilter{
		ViewSetName: v.name, ViewInstanceID: instance, FileSchemaHash: v.hash,
	})
	if err != nil {
		return nil, fmt.Errorf("list %s/%s partitions: %w", v.name, instance, err)
	}
	return parts, nil
}

// materializeSlice updates one slice [s, e); see MaterializeRange.
func (l *Lakehouse) materializeSlice(ctx context.Context, v *viewSet, parts []catalog.Partition, s, e time.Time) (int, error) {
	var inside []catalog.Partition
	var existing int64
	for _, p := range parts {
		if !p.BeginInsertTime.Before(e) || !p.EndInsertTime.After(s) {
			continue // no overlap
		}
		if p.BeginInsertTime.Before(s) || p.EndInsertTime.After(e) {
			if isMarker(p) {
				continue // an empty stand-in for retired partitions
			}
			return 0, nil // a larger partition covers the slice: nothing to do here
		}
		inside = append(inside, p)
		existing += sourceCount(p)
	}
	blocks, err := l.opts.Catalog.ListBlocks(ctx, catalog.BlockFilter{Tag: v.tag, InsertedFrom: s, InsertedTo: e})
	if err != nil {
		return 0, fmt.Errorf("list blocks: %w", err)
	}
	switch {
	case len(inside) == 0 && len(blocks) == 0:
		return 0, nil
	case existing != int64(len(blocks)):
		sk, err := l.convertBlocks(ctx, v, blocks)
		if err != nil {
			return 0, err
		}
		defer sk.release()
		if v.merge != "" {
			if err := l.writeAggregated(ctx, v, s, e, sk); err != nil {
				return 0, err
			}
			return 1, nil
		}
		if _, err := l.writePartition(ctx, v, GlobalInstance, s, e, sk); err != nil {
			return 0, err
		}
		return 1, nil
	case len(inside) > 1:
		return 1, l.mergePartitions(ctx, v, inside, s, e, existing)
	}
	return 0, nil
}

// mergePartitions writes the rows of parts as one partition [s, e) whose
// source count is the sum of theirs, retiring them.
func (l *Lakehouse) mergePartitions(ctx context.Context, v *viewSet, parts []catalog.Partition, s, e time.Time, sources int64) error {
	p := catalog.Partition{
		ViewSetName: v.name, ViewInstanceID: GlobalInstance, BeginInsertTime: s, EndInsertTime: e,
		Updated: time.Now().UTC(), FileSchemaHash: v.hash, SourceDataHash: encodeSourceCount(sources),
	}
	var files []string
	var release []func()
	defer func() {
		for _, r := range release {
			r()
		}
	}()
	for _, q := range parts {
		if q.NumRows == 0 || q.FilePath == "" {
			continue
		}
		path, done, err := l.localFile(ctx, q.FilePath)
		if err != nil {
			return err
		}
		release = append(release, done)
		files = append(files, path)
		p.NumRows += q.NumRows
		if p.MinEventTime.IsZero() || q.MinEventTime.Before(p.MinEventTime) {
			p.MinEventTime = q.MinEventTime
		}
		if q.MaxEventTime.After(p.MaxEventTime) {
			p.MaxEventTime = q.MaxEventTime
		}
	}
	if len(files) > 0 {
		key, size, rows, err := l.writeQueried(ctx, v, s, v.mergeQuery("merge_source"), files)
		if err != nil {
			return fmt.Errorf("merge: %w", err)
		}
		if v.merge == "" && rows != p.NumRows {
			return fmt.Errorf("merge: read %d rows from partitions that hold %d", rows, p.NumRows)
		}
		p.NumRows = rows // fewer when the merge sums rows of equal keys
		p.FilePath, p.FileSize = key, size
	} else {
		p.NumRows = 0
		p.MinEventTime, p.MaxEventTime = time.Time{}, time.Time{}
	}
	return l.commitPartition(ctx, p)
}

// sliceDeltas are the partition sizes of the compaction hierarchy.
var sliceDeltas = []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second}

// MaterializeSpan materializes [from, to) of a global view in the largest
// aligned slices of the compaction hierarchy that fit (days, hours,
// minutes, seconds; at most the view's largest partition), so that a
// backlog costs few partitions and every slice can later be merged into
// the slice above it. It returns the number of partitions written.
func (l *Lakehouse) MaterializeSpan(ctx context.Context, view string, from, to time.Time) (int, error) {
	v, ok := lookupView(view)
	if !ok || !v.materialized() {
		return 0, fmt.Errorf("materialize %q: not a materialized global view (want one of %v)", view, materializedNames())
	}
	written := 0
	for c := from; c.Before(to); {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		delta := time.Duration(0)
		for _, d := range sliceDeltas {
			if d <= v.maxDelta && c.Equal(c.Truncate(d)) && !c.Add(d).After(to) {
				delta = d
				break
			}
		}
		next := c.Add(delta)
		if delta == 0 { // not aligned on a second: up to the next one
			next = minTime(c.Truncate(time.Second).Add(time.Second), to)
			delta = next.Sub(c)
		}
		n, err := l.MaterializeRange(ctx, view, c, next, delta)
		written += n
		if err != nil {
			return written, err
		}
		c = next
	}
	return written, nil
}

// MaterializedEnd returns the end of the last global partition of a view,
// or, when it has none, the insert time of its first source block (zero
// when there is none either): where materialization should resume.
func (l *Lakehouse) MaterializedEnd(ctx context.Context, view string) (time.Time, error) {
	v, ok := lookupView(view)
	if !ok || !v.materialized() {
		return time.Time{}, fmt.Errorf("%q is not a materialized global view", view)
	}
	parts, err := l.listInstance(ctx, v, GlobalInstance)
	if err != nil {
		return time.Time{}, err
	}
	var end time.Time
	for _, p := range parts {
		if !isMarker(p) {
			end = maxTime(end, p.EndInsertTime)
		}
	}
	if !end.IsZero() {
		return end, nil
	}
	first, err := l.opts.Catalog.ListBlocks(ctx, catalog.BlockFilter{Tag: v.tag, Limit: 1})
	if err != nil {
		return time.Time{}, fmt.Errorf("list blocks: %w", err)
	}
	if len(first) == 0 {
		return time.Time{}, nil
	}
	return first[0].InsertTime.Truncate(time.Second), nil
}

// MaterializedViews lists the global views the daemon maintains, in
// update order.
func MaterializedViews() []ViewInfo {
	var out []ViewInfo
	for _, v := range Views() {
		if v.Materialized {
			out = append(out, v)
		}
	}
	return out
}
