//go:build duckdb_arrow

// Package buildtag stops a build that lacks the duckdb_arrow build tag
// with a compile error that names the tag. The query engine reads DuckDB
// results through duckdb-go's Arrow API, which duckdb-go compiles only
// with that tag; without it Go would report "build constraints exclude all
// Go files in .../arrowmapping", which does not say what to do.
//
// The engine's files that use the Arrow API carry the tag too, so that a
// build without it loads every package and reaches this one, which the
// engine imports. With the tag the package is empty.
package buildtag
