package render

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// writeJSON streams rdr as one JSON array of objects, one per line.
func writeJSON(w io.Writer, schema *arrow.Schema, rdr array.RecordReader) error {
	bw := bufio.NewWriter(w)
	var buf bytes.Buffer
	row := make(object, schema.NumFields())
	for i, f := range schema.Fields() {
		row[i].key = f.Name
	}
	bw.WriteByte('[')
	first := true
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if err := checkColumns(schema, rec); err != nil {
			return err
		}
		for r := range int(rec.NumRows()) {
			for c, col := range rec.Columns() {
				row[c].val = value(col, r)
			}
			buf.Reset()
			if err := encodeJSON(&buf, row); err != nil {
				return fmt.Errorf("encode row: %w", err)
			}
			if first {
				bw.WriteByte('\n')
				first = false
			} else {
				bw.WriteString(",\n")
			}
			bw.Write(buf.Bytes())
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("write rows: %w", err)
		}
	}
	if err := rdr.Err(); err != nil {
		return err
	}
	if !first {
		bw.WriteByte('\n')
	}
	bw.WriteString("]\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write rows: %w", err)
	}
	return nil
}
