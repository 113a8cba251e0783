package engine

// The engine reads results through duckdb-go's Arrow API, compiled only with
// the duckdb_arrow build tag (params.go, query.go and reader.go carry it);
// without the tag, package buildtag stops the build with a message naming it.
import _ "github.com/micromegas-go/micromegas/internal/buildtag"
