//go:build !duckdb_arrow

package buildtag

// This declaration does not compile, on purpose: the compiler prints the
// string, which says how to build.
var _ int = "Micromegas needs the build tag duckdb_arrow: go build -tags duckdb_arrow ./cmd/micromegas (or make build)"
