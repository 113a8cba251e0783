package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// jitChunk is a group of consecutive blocks of one view instance that
// makes one just-in-time partition [begin, end).
type jitChunk struct {
	begin, end time.Time
	blocks     []catalog.Block
}

// jitChunks cuts the blocks of an instance (ordered by insert time) into
// partitions. Windows of JITWindow of insert time are never crossed; a
// window holding more than the per-partition limits is cut before the
// block that would exceed them. Chunks depend only on the blocks, so two
// queries with different time ranges agree on them, and a block inserted
// later only changes the last chunk of its window. Together the chunks of
// a window cover it, so a rewritten chunk retires exactly its predecessor.
func (l *Lakehouse) jitChunks(blocks []catalog.Block) []jitChunk {
	var out []jitChunk
	w := l.opts.JITWindow
	for i := 0; i < len(blocks); {
		winStart := blocks[i].InsertTime.Truncate(w)
		winEnd := winStart.Add(w)
		j := i
		for j < len(blocks) && blocks[j].InsertTime.Before(winEnd) {
			j++
		}
		begin := winStart
		for k := i; k < j; {
			n, objects := 0, int64(0)
			for k+n < j && n < l.opts.MaxBlocksPerPartition &&
				(n == 0 || objects+int64(blocks[k+n].NbObjects) <= l.opts.MaxObjectsPerPartition) {
				objects += int64(blocks[k+n].NbObjects)
				n++
			}
			// Equal insert times stay together, so a chunk end never
			// falls inside a group of blocks inserted at once.
			for k+n < j && n > 1 && blocks[k+n].InsertTime.Truncate(insertTimeResolution).Equal(blocks[k+n-1].InsertTime.Truncate(insertTimeResolution)) {
				n--
			}
			end := winEnd
			if k+n < j {
				end = blocks[k+n].InsertTime.Truncate(insertTimeResolution)
			}
			out = append(out, jitChunk{begin: begin, end: end, blocks: blocks[k : k+n]})
			begin = end
			k += n
		}
		i = j
	}
	return out
}

// overlaps reports whether a chunk holds a block whose time range meets
// [begin, end]; a zero range matches every chunk.
func (c jitChunk) overlaps(begin, end time.Time) bool {
	if begin.IsZero() || end.IsZero() {
		return true
	}
	for _, b := range c.blocks {
		if !b.BeginTime.After(end) && !b.EndTime.Before(begin) {
			return true
		}
	}
	return false
}

// maxInstanceAttempts bounds the updates of one view instance that
// another node's partitions supersede while they run.
const maxInstanceAttempts = 5

// updateInstance brings the just-in-time partitions of one view instance
// up to date for the blocks meeting [begin, end] (all blocks when the range
// is zero) and returns the partitions to read. Analytics nodes sharing a
// catalog may update one instance at once: the catalog serializes their
// commits and refuses a partition another one overlaps
// (catalog.ErrSuperseded), after which the update starts again from the
// catalog's new state.
func (l *Lakehouse) updateInstance(ctx context.Context, v *viewSet, instance string, begin, end time.Time) ([]catalog.Partition, error) {
	for attempt := 1; ; attempt++ {
		parts, err := l.tryUpdateInstance(ctx, v, instance, begin, end)
		if !errors.Is(err, catalog.ErrSuperseded) || attempt == maxInstanceAttempts {
			return parts, err
		}
		l.log.Debug("just-in-time partition superseded: updating again", "view", v.name, "instance", instance, "attempt", attempt)
	}
}

// tryUpdateInstance is one attempt of updateInstance.
func (l *Lakehouse) tryUpdateInstance(ctx context.Context, v *viewSet, instance string, begin, end time.Time) ([]catalog.Partition, error) {
	f := catalog.BlockFilter{Tag: v.tag}
	switch v.instance {
	case perProcess:
		if _, err := l.opts.Catalog.GetProcess(ctx, instance); err != nil {
			return nil, instanceError(v, instance, "process", err)
		}
		f.ProcessID = instance
	case perStream:
		st, err := l.opts.Catalog.GetStream(ctx, instance)
		if err != nil {
			return nil, instanceError(v, instance, "stream", err)
		}
		if !hasTag(st.Tags, v.tag) {
			return nil, fmt.Errorf("view_instance('%s', '%s'): stream %s has tags %v, want a %q stream", v.name, instance, instance, st.Tags, v.tag)
		}
		f.StreamID = instance
		f.Tag = ""
	default:
		return nil, fmt.Errorf("view_instance('%s', '%s'): %s has no instances; query it as a table", v.name, instance, v.name)
	}
	blocks, err := l.opts.Catalog.ListBlocks(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("view_instance('%s', '%s'): list blocks: %w", v.name, instance, err)
	}
	l.jitMu.Lock()
	defer l.jitMu.Unlock()
	var chunks []jitChunk
	for _, c := range l.jitChunks(blocks) {
		if c.overlaps(begin, end) {
			chunks = append(chunks, c)
		}
	}
	existing, err := l.listInstance(ctx, v, instance)
	if err != nil {
		return nil, err
	}
	// A chunk to rewrite that overlaps a partition it does not contain
	// (its window was cut differently before) first deletes the
	// partitions within the hull of both, so partitions never overlap.
	retiredHull := false
	for _, c := range chunks {
		if _, ok := upToDate(existing, c); ok {
			continue
		}
		hb, he, found := c.begin, c.end, false
		for _, p := range existing {
			if p.BeginInsertTime.Before(c.end) && p.EndInsertTime.After(c.begin) &&
				(p.BeginInsertTime.Before(c.begin) || p.EndInsertTime.After(c.end)) {
				found = true
				hb, he = minTime(hb, p.BeginInsertTime), maxTime(he, p.EndInsertTime)
			}
		}
		if found {
			if _, err := l.deletePartitions(ctx, v, instance, hb, he); err != nil {
				return nil, fmt.Errorf("view_instance('%s', '%s'): %w", v.name, instance, err)
			}
			retiredHull = true
		}
	}
	if retiredHull {
		if existing, err = l.listInstance(ctx, v, instance); err != nil {
			return nil, err
		}
	}
	var out []catalog.Partition
	for _, c := range chunks {
		if p, ok := upToDate(existing, c); ok {
			out = append(out, p)
			continue
		}
		p, err := l.buildPartition(ctx, v, instance, c.begin, c.end, c.blocks)
		if err != nil {
			return nil, fmt.Errorf("view_instance('%s', '%s'): %w", v.name, instance, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// upToDate returns the partition made from exactly the chunk's blocks.
func upToDate(existing []catalog.Partition, c jitChunk) (catalog.Partition, bool) {
	for _, p := range existing {
		if p.BeginInsertTime.Equal(c.begin) && p.EndInsertTime.Equal(c.end) && sourceCount(p) == int64(len(c.blocks)) {
			return p, true
		}
	}
	return catalog.Partition{}, false
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func instanceError(v *viewSet, instance, what string, err error) error {
	if errors.Is(err, catalog.ErrNotFound) || errors.Is(err, catalog.ErrInvalidID) {
		return &InstanceError{View: v.name, Instance: instance,
			Msg: fmt.Sprintf("no %s with id %q (view_instance('%s', id) takes a %s id)", what, instance, v.name, what)}
	}
	return fmt.Errorf("view_instance('%s', '%s'): %w", v.name, instance, err)
}

// InstanceError reports a view_instance call that names no view set or
// no instance; it is the caller's mistake.
type InstanceError struct {
	View, Instance, Msg string
}

func (e *InstanceError) Error() string {
	return fmt.Sprintf("view_instance('%s', '%s'): %s", e.View, e.Instance, e.Msg)
}

// InvalidQuery marks the error as the query's fault.
func (e *InstanceError) InvalidQuery() bool { return true }

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}
