package lakehouse

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
)

// sourceCount decodes a partition's source_data_hash: the little-endian
// count of its source objects (spec 5.1). Other encodings count as -1,
// which never matches, so such partitions are rebuilt.
func sourceCount(p catalog.Partition) int64 {
	if len(p.SourceDataHash) != 8 {
		return -1
	}
	return int64(binary.LittleEndian.Uint64(p.SourceDataHash))
}

func encodeSourceCount(n int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(n)) }

// writePartition writes the rows of s as a Parquet file (none when there
// are no rows; sink.write cuts its row groups), with the msg trigram
// filter of log_entries files (msgfilter.go) and the trace id filter of
// otel_spans files (tracefilter.go), and commits the partition [begin, end), replacing the
// partitions of the instance it contains.
func (l *Lakehouse) writePartition(ctx context.Context, v *viewSet, instance string, begin, end time.Time, s *sink) (catalog.Partition, error) {
	p := newPartition(v, instance, begin, end, s.sources, s.rows)
	if s.rows > 0 {
		key := partitionKey(v.name, instance, begin)
		s.trigrams = newMsgTrigrams(v.name, s.schema)
		s.traceIDs = newTraceIDs(v.name, s.schema, s.rows)
		size, err := l.writeObject(ctx, key, s.writeParquet)
		s.trigrams, s.traceIDs = nil, nil
		if err != nil {
			return p, err
		}
		p.FilePath, p.FileSize = key, size
		p.MinEventTime = time.Unix(0, s.minTime).UTC()
		p.MaxEventTime = time.Unix(0, s.maxTime).UTC()
	}
	return p, l.commitPartition(ctx, p)
}

// newPartition is the catalog row of a partition [begin, end) of
// instance made from sources blocks, without its file.
func newPartition(v *viewSet, instance string, begin, end time.Time, sources, rows int64) catalog.Partition {
	return catalog.Partition{
		ViewSetName: v.name, ViewInstanceID: instance,
		BeginInsertTime: begin, EndInsertTime: end,
		Updated:        time.Now().UTC(),
		FileSchemaHash: v.hash,
		SourceDataHash: encodeSourceCount(sources),
		NumRows:        rows,
	}
}

// commitPartition inserts p, retiring the partitions it replaces.
func (l *Lakehouse) commitPartition(ctx context.Context, p catalog.Partition) error {
	retired, err := l.opts.Catalog.ReplacePartitions(ctx, p, time.Now().Add(l.opts.RetiredFileExpiration))
	if err != nil {
		return fmt.Errorf("commit %s/%s partition: %w", p.ViewSetName, p.ViewInstanceID, err)
	}
	l.log.Debug("partition written", "view", p.ViewSetName, "instance", p.ViewInstanceID,
		"begin", p.BeginInsertTime, "end", p.EndInsertTime, "rows", p.NumRows,
		"sources", sourceCount(p), "file", p.FilePath, "bytes", p.FileSize, "retired", len(retired))
	return nil
}

// writeObject writes an object through fill and returns its size.
func (l *Lakehouse) writeObject(ctx context.Context, key string, fill func(io.Writer) error) (int64, error) {
	w, err := l.opts.Blobs.NewWriter(ctx, key)
	if err != nil {
		return 0, fmt.Errorf("create %s: %w", key, err)
	}
	cw := &countingWriter{w: w}
	if err := fill(cw); err != nil {
		w.Close()
		return 0, fmt.Errorf("write %s: %w", key, err)
	}
	if err := w.Close(); err != nil {
		return 0, fmt.Errorf("write %s: %w", key, err)
	}
	return cw.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// partitionKey is the object key of a new partition file (spec 5.4).
func partitionKey(view, instance string, begin time.Time) string {
	return blobstore.PartitionKey(view, instance, begin, uuid.NewString())
}
