// Package grafanacompat holds the tests that the FlightSQL client of the
// original Micromegas Grafana plugin works against `micromegas serve`:
// github.com/apache/arrow/go/v12 at the version the plugin pins, making
// the plugin's calls (health and time-series queries with the range and
// limit headers, GetTables for its table list and columns, GetSqlInfo for
// its editor's completion).
//
// The client runs in this package's test binary and the server in a
// process of its own, as in production: arrow/go/v12 and arrow-go/v18
// register the same protobuf files (Flight.proto), which one process
// refuses. The package has no other code.
package grafanacompat
