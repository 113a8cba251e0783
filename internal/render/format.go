// Package render prints Arrow record batches for the command line, as an
// aligned table, CSV or JSON, or writes them as a Parquet or Arrow IPC
// file.
package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Format is an output format.
type Format int

// The output formats.
const (
	// Table aligns columns under a header line, like psql. It buffers up to
	// MaxTableRows rows to align them and only counts the rest. An integer
	// column named level shows log level names (2 is ERROR); the other
	// formats keep the numbers.
	Table Format = iota
	// CSV writes a header line then one line per row (RFC 4180). NULL is an
	// empty field.
	CSV
	// JSON writes one JSON array of objects, one object per row with the
	// columns in order, as the Micromegas HTTP gateway answers. NULL is null;
	// timestamps are RFC3339Nano strings in UTC; binary values are hex
	// strings; NaN and infinities are the strings "NaN", "Infinity" and
	// "-Infinity".
	JSON
	// Parquet writes one Parquet file (row groups of the batches as they
	// come, LZ4_RAW compression, the Arrow schema stored in the file).
	Parquet
	// Arrow writes one Arrow IPC file (the "Feather v2" format), which
	// pyarrow, DuckDB and the Arrow libraries read directly.
	Arrow
)

// MaxTableRows is the number of rows the table format prints; it counts
// and reports the rows past it.
const MaxTableRows = 10_000

var formatNames = []string{Table: "table", CSV: "csv", JSON: "json", Parquet: "parquet", Arrow: "arrow"}

// Binary reports whether the format is a binary file format (not text for
// a terminal).
func (f Format) Binary() bool { return f == Parquet || f == Arrow }

// String returns the name of the format as ParseFormat accepts it.
func (f Format) String() string {
	if f < 0 || int(f) >= len(formatNames) {
		return fmt.Sprintf("Format(%d)", int(f))
	}
	return formatNames[f]
}

// ParseFormat returns the format named s (case-insensitive).
func ParseFormat(s string) (Format, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for i, n := range formatNames {
		if n == name {
			return Format(i), nil
		}
	}
	return 0, fmt.Errorf("unknown output format %q: valid formats are %s", s, strings.Join(formatNames, ", "))
}

// Write prints every batch of rdr to w in format. schema names the columns;
// when nil, rdr.Schema() does. Write does not release rdr. Timestamps are
// printed in RFC3339Nano, in UTC.
func Write(w io.Writer, format Format, schema *arrow.Schema, rdr array.RecordReader) error {
	if schema == nil {
		schema = rdr.Schema()
	}
	var err error
	switch format {
	case Table:
		err = writeTable(w, schema, rdr, MaxTableRows)
	case CSV:
		err = writeCSV(w, schema, rdr)
	case JSON:
		err = writeJSON(w, schema, rdr)
	case Parquet:
		err = writeParquet(w, schema, rdr)
	case Arrow:
		err = writeArrow(w, schema, rdr)
	default:
		return fmt.Errorf("render: unknown format %v", format)
	}
	if err != nil {
		return fmt.Errorf("render %s: %w", format, err)
	}
	return nil
}

// checkColumns fails when a batch does not match the schema.
func checkColumns(schema *arrow.Schema, rec arrow.RecordBatch) error {
	if int(rec.NumCols()) != schema.NumFields() {
		return fmt.Errorf("batch has %d columns, schema has %d", rec.NumCols(), schema.NumFields())
	}
	return nil
}
