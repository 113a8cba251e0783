package lakehouse

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/uuid"
	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/engine"
)

// writePartition writes the rows of lb as a Parquet file (none when there
// are no rows) and commits the partition, replacing those it contains.
func (l *Lakehouse) writePartition(ctx context.Context, view, instance string, schemaHash []byte, begin, end time.Time, sourceCount int64, lb *logBuilder) error {
	p := catalog.Partition{
		ViewSetName:     view,
		ViewInstanceID:  instance,
		BeginInsertTime: begin,
		EndInsertTime:   end,
		Updated:         time.Now().UTC(),
		FileSchemaHash:  schemaHash,
		SourceDataHash:  binary.LittleEndian.AppendUint64(nil, uint64(sourceCount)),
		NumRows:         lb.rows,
	}
	if lb.rows > 0 {
		rec := lb.b.NewRecordBatch()
		defer rec.Release()
		key := blobstore.PartitionKey(view, instance, begin, uuid.NewString())
		size, err := l.writeParquet(ctx, key, rec)
		if err != nil {
			return err
		}
		p.FilePath, p.FileSize = key, size
		p.MinEventTime = time.Unix(0, lb.minTime).UTC()
		p.MaxEventTime = time.Unix(0, lb.maxTime).UTC()
	}
	retired, err := l.opts.Catalog.ReplacePartitions(ctx, p, time.Now().Add(l.opts.RetiredFileExpiration))
	if err != nil {
		return fmt.Errorf("commit %s/%s partition: %w", view, instance, err)
	}
	l.log.Info("partition written", "view", view, "instance", instance, "rows", p.NumRows,
		"blocks", sourceCount, "file", p.FilePath, "bytes", p.FileSize, "retired", len(retired))
	return nil
}

func (l *Lakehouse) writeParquet(ctx context.Context, key string, rec arrow.RecordBatch) (int64, error) {
	w, err := l.opts.Blobs.NewWriter(ctx, key)
	if err != nil {
		return 0, fmt.Errorf("create %s: %w", key, err)
	}
	cw := &countingWriter{w: w}
	if err := engine.WriteParquet(cw, rec.Schema(), []arrow.RecordBatch{rec}); err != nil {
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
