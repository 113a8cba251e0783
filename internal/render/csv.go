package render

import (
	"encoding/csv"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// writeCSV streams rdr as CSV, flushing after each batch.
func writeCSV(w io.Writer, schema *arrow.Schema, rdr array.RecordReader) error {
	cw := csv.NewWriter(w)
	row := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		row[i] = f.Name
	}
	if err := cw.Write(row); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if err := checkColumns(schema, rec); err != nil {
			return err
		}
		for r := range int(rec.NumRows()) {
			for c, col := range rec.Columns() {
				row[c] = text(col, r)
			}
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("write row: %w", err)
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return fmt.Errorf("write rows: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write rows: %w", err)
	}
	return rdr.Err()
}
