package engine

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// RowGroupRows is the number of rows per Parquet row group written by
// WriteParquet. DuckDB scans row groups in parallel and skips them with
// their min/max statistics, so row groups of DuckDB's own size (122880
// rows) beat one huge group.
const RowGroupRows = 122880

// WriteParquet writes recs, which all have schema, as one Parquet file in
// the layout this engine reads best:
//   - top-level timestamp columns are stored without the isAdjustedToUTC
//     flag (a UTC wall clock), which DuckDB reads as TIMESTAMP_NS with full
//     nanosecond precision; with the flag it would read TIMESTAMP WITH TIME
//     ZONE, which has microsecond precision (see doc.go);
//   - dictionary columns are stored dictionary-encoded and read back as
//     VARCHAR; maps as Parquet MAP;
//   - LZ4_RAW compression, Parquet 2.6, statistics, RowGroupRows rows per
//     row group, and the Arrow schema in the file metadata.
func WriteParquet(w io.Writer, schema *arrow.Schema, recs []arrow.RecordBatch) error {
	stored := storedSchema(schema)
	props := writerProperties(schema)
	// pqarrow closes its sink when it implements io.Closer; the caller owns w.
	sink := struct{ io.Writer }{w}
	fw, err := pqarrow.NewFileWriter(stored, sink, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return fmt.Errorf("engine: parquet writer: %w", err)
	}
	for i, rec := range recs {
		if !rec.Schema().Equal(schema) {
			fw.Close()
			return fmt.Errorf("engine: write parquet: record %d has schema %s, want %s", i, rec.Schema(), schema)
		}
		if err := writeStored(fw, stored, rec); err != nil {
			fw.Close()
			return fmt.Errorf("engine: write parquet record %d: %w", i, err)
		}
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("engine: close parquet writer: %w", err)
	}
	return nil
}

// storedSchema returns schema with the time zone removed from top-level
// timestamp columns.
func storedSchema(schema *arrow.Schema) *arrow.Schema {
	fields := schema.Fields()
	for i, f := range fields {
		if ts, ok := f.Type.(*arrow.TimestampType); ok && ts.TimeZone != "" {
			fields[i].Type = &arrow.TimestampType{Unit: ts.Unit}
		}
	}
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md)
}

// writeStored writes rec relabelled with the stored schema (zero copy).
func writeStored(fw *pqarrow.FileWriter, stored *arrow.Schema, rec arrow.RecordBatch) error {
	out := storedRecord(stored, rec)
	defer out.Release()
	return fw.WriteBuffered(out)
}

// storedRecord is rec relabelled with the stored schema (zero copy).
func storedRecord(stored *arrow.Schema, rec arrow.RecordBatch) arrow.RecordBatch {
	cols := make([]arrow.Array, rec.NumCols())
	for i, c := range rec.Columns() {
		if arrow.TypeEqual(c.DataType(), stored.Field(i).Type) {
			c.Retain()
			cols[i] = c
			continue
		}
		cols[i] = relabel(c, stored.Field(i).Type)
	}
	out := array.NewRecordBatch(stored, cols, rec.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out
}

// ParquetWriter writes record batches of one schema as a Parquet file in
// the layout of WriteParquet, one batch at a time, so that large results
// (merges of partitions) are never held in memory whole.
type ParquetWriter struct {
	schema *arrow.Schema
	stored *arrow.Schema
	fw     *pqarrow.FileWriter
	rows   int64
}

// ParquetOption changes a setting of the files of NewParquetWriter.
type ParquetOption struct{ prop parquet.WriterProperty }

// WithoutStatistics leaves out the statistics of the named top-level
// columns. Those of a dictionary column cost a hash of every index of
// each row group (arrow-go finds the values the row group uses) and only
// let readers skip row groups when the column's values cluster by row
// group.
func WithoutStatistics(column string) ParquetOption {
	return ParquetOption{parquet.WithStatsFor(column, false)}
}

// WithPlainEncoding stores the named top-level integer column PLAIN
// (then compressed) rather than DELTA_BINARY_PACKED: better for values
// that do not grow, such as hashes or a few values that repeat.
func WithPlainEncoding(column string) ParquetOption {
	return ParquetOption{parquet.WithEncodingFor(column, parquet.Encodings.Plain)}
}

// NewParquetWriter starts a Parquet file on w. Close must be called; it
// does not close w.
func NewParquetWriter(w io.Writer, schema *arrow.Schema, opts ...ParquetOption) (*ParquetWriter, error) {
	stored := storedSchema(schema)
	extra := make([]parquet.WriterProperty, len(opts))
	for i, o := range opts {
		extra[i] = o.prop
	}
	props := writerProperties(schema, extra...)
	sink := struct{ io.Writer }{w}
	fw, err := pqarrow.NewFileWriter(stored, sink, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return nil, fmt.Errorf("engine: parquet writer: %w", err)
	}
	return &ParquetWriter{schema: schema, stored: stored, fw: fw}, nil
}

// Write appends rec, which must have the writer's schema.
func (p *ParquetWriter) Write(rec arrow.RecordBatch) error {
	if !rec.Schema().Equal(p.schema) {
		return fmt.Errorf("engine: write parquet: record has schema %s, want %s", rec.Schema(), p.schema)
	}
	if err := writeStored(p.fw, p.stored, rec); err != nil {
		return fmt.Errorf("engine: write parquet: %w", err)
	}
	p.rows += rec.NumRows()
	return nil
}

// WriteRowGroup writes rec, which must have the writer's schema and at
// most RowGroupRows rows, as a row group of its own. The writer keeps no
// reference to rec: its buffers may be reused once WriteRowGroup returns.
func (p *ParquetWriter) WriteRowGroup(rec arrow.RecordBatch) error {
	if !rec.Schema().Equal(p.schema) {
		return fmt.Errorf("engine: write parquet row group: record has schema %s, want %s", rec.Schema(), p.schema)
	}
	if rec.NumRows() > RowGroupRows {
		return fmt.Errorf("engine: write parquet row group: %d rows, more than %d", rec.NumRows(), RowGroupRows)
	}
	out := storedRecord(p.stored, rec)
	defer out.Release()
	if err := p.fw.Write(out); err != nil {
		return fmt.Errorf("engine: write parquet row group: %w", err)
	}
	p.rows += rec.NumRows()
	return nil
}

// SetKeyValue adds key = value to the file's key-value metadata (the
// Parquet footer), which readers get without reading any row group. Call
// it before Close.
func (p *ParquetWriter) SetKeyValue(key, value string) error {
	if err := p.fw.AppendKeyValueMetadata(key, value); err != nil {
		return fmt.Errorf("engine: parquet metadata %s: %w", key, err)
	}
	return nil
}

// Rows returns the number of rows written so far.
func (p *ParquetWriter) Rows() int64 { return p.rows }

// Close finishes the file.
func (p *ParquetWriter) Close() error {
	if err := p.fw.Close(); err != nil {
		return fmt.Errorf("engine: close parquet writer: %w", err)
	}
	return nil
}

// TextColumns names the string columns that hold mostly distinct text
// (log messages). WriteParquet stores them without a dictionary, with
// DELTA_LENGTH_BYTE_ARRAY: arrow-go would fill a 1 MiB dictionary page per
// row group and then fall back to PLAIN, and DuckDB reads PLAIN strings
// one length prefix and one UTF-8 check at a time, while it checks a
// DELTA_LENGTH_BYTE_ARRAY page's text in one pass. A substring search over
// 100 M messages takes a fifth less CPU, and the files are smaller
// (docs/benchmarks.md, "Queries").
var TextColumns = map[string]bool{"msg": true}

// writerProperties returns the Parquet settings of a file of schema:
// LZ4_RAW, Parquet 2.6, statistics, RowGroupRows rows per row group, and
// dictionary encoding for strings only (numbers and times are mostly
// distinct: a dictionary would cost a hash lookup per value for nothing),
// except TextColumns, DELTA_BINARY_PACKED for integers and times (a
// thread_spans file is 8x smaller, docs/benchmarks.md). extra come last.
func writerProperties(schema *arrow.Schema, extra ...parquet.WriterProperty) *parquet.WriterProperties {
	opts := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Lz4Raw),
		parquet.WithVersion(parquet.V2_LATEST),
		parquet.WithMaxRowGroupLength(RowGroupRows),
		parquet.WithStats(true),
	}
	for _, f := range schema.Fields() {
		switch f.Type.ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
			arrow.FLOAT32, arrow.FLOAT64, arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64, arrow.BOOL:
			opts = append(opts, parquet.WithDictionaryFor(f.Name, false))
		}
		switch f.Type.ID() { // ids and times are mostly increasing: delta-encode them
		case arrow.INT32, arrow.INT64, arrow.UINT32, arrow.UINT64, arrow.TIMESTAMP:
			opts = append(opts, parquet.WithEncodingFor(f.Name, parquet.Encodings.DeltaBinaryPacked))
		case arrow.STRING, arrow.LARGE_STRING:
			if TextColumns[f.Name] {
				opts = append(opts, parquet.WithDictionaryFor(f.Name, false),
					parquet.WithEncodingFor(f.Name, parquet.Encodings.DeltaLengthByteArray))
			}
		}
	}
	return parquet.NewWriterProperties(append(opts, extra...)...)
}
