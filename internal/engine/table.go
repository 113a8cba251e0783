package engine

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Table is a table visible to one query: a view over Parquet files with a
// known schema.
type Table struct {
	// Name is the SQL name of the table (for example "log_entries").
	Name string
	// Files are absolute local paths of Parquet files written by
	// [WriteParquet]; they must be inside Options.AllowedDirectories. May be
	// empty.
	Files []string
	// Schema gives the columns of the table when Files is empty, so that the
	// table still exists with the right column names and types. It is
	// ignored when Files is not empty.
	Schema *arrow.Schema
	// Filter, when not empty, is a SQL boolean expression over the table's
	// columns that every row of the table satisfies (for example the
	// query's time range); it is written by the server, never by users.
	Filter string
	// Inside are more Parquet files of the table whose rows all satisfy
	// Filter already (a partition wholly inside the query's time range):
	// they are read without evaluating it on every row. Same rules as
	// Files.
	Inside []string
	// SQL, when not empty, defines the table as this SELECT statement
	// instead of Files: a view over tables given before it in the same
	// query. Written by the server, never by users.
	SQL string
	// NotNull names the columns of Schema that hold no null. A result
	// column that reads one of them unchanged is declared non-nullable
	// (notnull.go); Schema must then list the table's columns in order.
	NotNull []string
}

// viewSQL returns the statement that creates the temporary view of t.
func (t Table) viewSQL() (string, error) {
	name := quoteIdent(t.Name)
	where := ""
	if t.Filter != "" {
		where = " WHERE " + t.Filter
	}
	if t.SQL != "" {
		return fmt.Sprintf("CREATE OR REPLACE TEMP VIEW %s AS SELECT * FROM (%s)%s", name, t.SQL, where), nil
	}
	files, inside := t.Files, t.Inside
	if where == "" {
		files, inside = append(append([]string(nil), files...), inside...), nil
	}
	switch {
	case len(files) > 0 && len(inside) > 0:
		return fmt.Sprintf("CREATE OR REPLACE TEMP VIEW %s AS SELECT * FROM read_parquet([%s]) UNION ALL SELECT * FROM read_parquet([%s])%s",
			name, quotePaths(inside), quotePaths(files), where), nil
	case len(inside) > 0:
		return fmt.Sprintf("CREATE OR REPLACE TEMP VIEW %s AS SELECT * FROM read_parquet([%s])",
			name, quotePaths(inside)), nil
	case len(files) > 0:
		return fmt.Sprintf("CREATE OR REPLACE TEMP VIEW %s AS SELECT * FROM read_parquet([%s])%s",
			name, quotePaths(files), where), nil
	}
	cols := make([]string, 0, len(t.Schema.Fields()))
	for _, f := range t.Schema.Fields() {
		typ, err := sqlType(f.Type)
		if err != nil {
			return "", fmt.Errorf("table %q column %q: %w", t.Name, f.Name, err)
		}
		cols = append(cols, fmt.Sprintf("CAST(NULL AS %s) AS %s", typ, quoteIdent(f.Name)))
	}
	return fmt.Sprintf("CREATE OR REPLACE TEMP VIEW %s AS SELECT %s WHERE false", name, strings.Join(cols, ", ")), nil
}

// quotePaths returns paths as a list of SQL string literals.
func quotePaths(paths []string) string {
	q := make([]string, len(paths))
	for i, f := range paths {
		q[i] = quoteString(f)
	}
	return strings.Join(q, ", ")
}

// dropSQL returns the statement that removes the temporary view of t.
func (t Table) dropSQL() string {
	return "DROP VIEW IF EXISTS temp.main." + quoteIdent(t.Name)
}

// validateTables checks the tables of one query before any SQL runs.
func validateTables(tables []Table, allowed []string) error {
	seen := make(map[string]bool, len(tables))
	for _, t := range tables {
		if t.Name == "" {
			return fmt.Errorf("engine: table with an empty name")
		}
		key := strings.ToLower(t.Name) // DuckDB identifiers are case-insensitive
		if seen[key] {
			return fmt.Errorf("engine: table %q given twice for the same query", t.Name)
		}
		seen[key] = true
		if t.SQL != "" {
			continue
		}
		if len(t.Files) == 0 && len(t.Inside) == 0 {
			if t.Schema == nil || len(t.Schema.Fields()) == 0 {
				return fmt.Errorf("engine: table %q has no files and no schema; give the view's schema so the table exists with its columns", t.Name)
			}
			continue
		}
		for _, f := range append(t.Files[:len(t.Files):len(t.Files)], t.Inside...) {
			if err := checkFile(f, allowed); err != nil {
				return fmt.Errorf("engine: table %q: %w", t.Name, err)
			}
		}
	}
	return nil
}

// checkFile verifies that path can be scanned by the sandboxed engine.
func checkFile(path string, allowed []string) error {
	if !filepath.IsAbs(path) || filepath.Clean(path) != path {
		return fmt.Errorf("file %q: want a clean absolute path", path)
	}
	// read_parquet expands glob patterns; a partition file name never has one.
	if strings.ContainsAny(path, "*?[]{}") {
		return fmt.Errorf("file %q: glob characters are not allowed in partition paths", path)
	}
	for _, dir := range allowed {
		if strings.HasPrefix(path, dir+string(filepath.Separator)) {
			return nil
		}
	}
	return fmt.Errorf("file %q is outside the engine's allowed directories %v; store partitions under one of them (Options.AllowedDirectories)", path, allowed)
}

// sqlType returns the DuckDB type that read_parquet produces for a column of
// Arrow type dt written by WriteParquet.
func sqlType(dt arrow.DataType) (string, error) {
	switch t := dt.(type) {
	case *arrow.BooleanType:
		return "BOOLEAN", nil
	case *arrow.Int8Type:
		return "TINYINT", nil
	case *arrow.Int16Type:
		return "SMALLINT", nil
	case *arrow.Int32Type:
		return "INTEGER", nil
	case *arrow.Int64Type:
		return "BIGINT", nil
	case *arrow.Uint8Type:
		return "UTINYINT", nil
	case *arrow.Uint16Type:
		return "USMALLINT", nil
	case *arrow.Uint32Type:
		return "UINTEGER", nil
	case *arrow.Uint64Type:
		return "UBIGINT", nil
	case *arrow.Float16Type, *arrow.Float32Type:
		return "FLOAT", nil
	case *arrow.Float64Type:
		return "DOUBLE", nil
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return "VARCHAR", nil
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType, *arrow.FixedSizeBinaryType:
		return "BLOB", nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return "DATE", nil
	case *arrow.Time32Type, *arrow.Time64Type:
		return "TIME", nil
	case *arrow.DurationType:
		return "BIGINT", nil
	case *arrow.TimestampType:
		// WriteParquet stores every timestamp as a UTC wall clock without
		// the isAdjustedToUTC flag (see doc.go), which DuckDB reads as these.
		switch t.Unit {
		case arrow.Second:
			return "TIMESTAMP_S", nil
		case arrow.Millisecond:
			return "TIMESTAMP_MS", nil
		case arrow.Microsecond:
			return "TIMESTAMP", nil
		default:
			return "TIMESTAMP_NS", nil
		}
	case *arrow.Decimal128Type:
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale), nil
	case *arrow.DictionaryType:
		return sqlType(t.ValueType)
	case *arrow.MapType:
		k, err := sqlType(t.KeyType())
		if err != nil {
			return "", err
		}
		v, err := sqlType(t.ItemType())
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("MAP(%s, %s)", k, v), nil
	case arrow.ListLikeType: // List, LargeList, FixedSizeList (after Map: a Map is list-like)
		e, err := sqlType(t.Elem())
		if err != nil {
			return "", err
		}
		return e + "[]", nil
	case *arrow.StructType:
		fields := make([]string, len(t.Fields()))
		for i, f := range t.Fields() {
			ft, err := sqlType(f.Type)
			if err != nil {
				return "", err
			}
			fields[i] = quoteIdent(f.Name) + " " + ft
		}
		return "STRUCT(" + strings.Join(fields, ", ") + ")", nil
	}
	return "", fmt.Errorf("arrow type %s has no DuckDB equivalent in the engine", dt)
}

// quoteIdent quotes a SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteString quotes a SQL string literal.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
