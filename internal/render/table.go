package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// nullText is how the table format shows NULL, to tell it from "".
const nullText = "NULL"

// writeTable prints up to maxRows rows of rdr as an aligned table and
// counts the rest. Integer columns named level show level names
// (isLevelColumn).
func writeTable(w io.Writer, schema *arrow.Schema, rdr array.RecordReader, maxRows int) error {
	ncols := schema.NumFields()
	header := make([]string, ncols)
	right := make([]bool, ncols)
	widths := make([]int, ncols)
	levels := make([]bool, ncols)
	for i, f := range schema.Fields() {
		header[i] = escape(f.Name)
		levels[i] = isLevelColumn(f)
		right[i] = numeric(f.Type) && !levels[i]
		widths[i] = utf8.RuneCountInString(header[i])
	}
	var (
		rows  [][]string
		total int64
	)
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if err := checkColumns(schema, rec); err != nil {
			return err
		}
		n := int(rec.NumRows())
		total += int64(n)
		for r := 0; r < n && len(rows) < maxRows; r++ {
			row := make([]string, ncols)
			for c, col := range rec.Columns() {
				s, isNull := cell(col, r)
				switch {
				case isNull:
					s = nullText
				case levels[c]:
					s = levelText(s)
				default:
					s = escape(s)
				}
				row[c] = s
				widths[c] = max(widths[c], utf8.RuneCountInString(s))
			}
			rows = append(rows, row)
		}
	}
	if err := rdr.Err(); err != nil {
		return err
	}

	bw := bufio.NewWriter(w)
	line := func(cells []string, alignRight func(int) bool) {
		var sb strings.Builder
		for c, s := range cells {
			if c > 0 {
				sb.WriteString(" | ")
			} else {
				sb.WriteByte(' ')
			}
			pad := strings.Repeat(" ", widths[c]-utf8.RuneCountInString(s))
			if alignRight(c) {
				sb.WriteString(pad + s)
			} else {
				sb.WriteString(s + pad)
			}
		}
		bw.WriteString(strings.TrimRight(sb.String(), " "))
		bw.WriteByte('\n')
	}
	line(header, func(int) bool { return false })
	sep := make([]string, ncols)
	for c := range sep {
		sep[c] = strings.Repeat("-", widths[c]+2)
	}
	bw.WriteString(strings.Join(sep, "+"))
	bw.WriteByte('\n')
	for _, row := range rows {
		line(row, func(c int) bool { return right[c] })
	}
	if shown := int64(len(rows)); shown < total {
		fmt.Fprintf(bw, "... %d more rows (%d in all), use --format csv or --format json to see them all\n", total-shown, total)
	} else if total == 1 {
		bw.WriteString("(1 row)\n")
	} else {
		fmt.Fprintf(bw, "(%d rows)\n", total)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// escape keeps a cell on one line: control characters are shown as Go
// escapes (\n, \t, ...).
func escape(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var sb strings.Builder
	for _, r := range s {
		if isControl(r) {
			q := fmt.Sprintf("%q", string(r))
			sb.WriteString(q[1 : len(q)-1])
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
