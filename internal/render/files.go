package render

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// writeParquet streams rdr into one Parquet file, one row group per batch
// or more for large batches.
func writeParquet(w io.Writer, schema *arrow.Schema, rdr array.RecordReader) error {
	props := parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Lz4Raw),
		parquet.WithCreatedBy("micromegas"),
		parquet.WithMaxRowGroupLength(1<<20),
	)
	// The Parquet writer closes a sink that is an io.Closer: hide it, the
	// caller owns w.
	fw, err := pqarrow.NewFileWriter(schema, struct{ io.Writer }{w}, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return fmt.Errorf("start Parquet file: %w", err)
	}
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if err := checkColumns(schema, rec); err != nil {
			fw.Close()
			return err
		}
		if err := fw.WriteBuffered(rec); err != nil {
			fw.Close()
			return fmt.Errorf("write Parquet rows: %w", err)
		}
	}
	if err := rdr.Err(); err != nil {
		fw.Close()
		return err
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("finish Parquet file: %w", err)
	}
	return nil
}

// writeArrow streams rdr into one Arrow IPC file.
func writeArrow(w io.Writer, schema *arrow.Schema, rdr array.RecordReader) error {
	fw, err := ipc.NewFileWriter(struct{ io.Writer }{w}, ipc.WithSchema(schema))
	if err != nil {
		return fmt.Errorf("start Arrow file: %w", err)
	}
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if err := checkColumns(schema, rec); err != nil {
			fw.Close()
			return err
		}
		if err := fw.Write(rec); err != nil {
			fw.Close()
			return fmt.Errorf("write Arrow batch: %w", err)
		}
	}
	if err := rdr.Err(); err != nil {
		fw.Close()
		return err
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("finish Arrow file: %w", err)
	}
	return nil
}
