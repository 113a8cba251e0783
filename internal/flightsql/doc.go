// Package flightsql serves SQL queries over Apache Arrow Flight SQL, the
// protocol of the Micromegas analytics service.
//
// The server is a thin protocol layer: it reads the Micromegas request
// headers (query_range_begin, query_range_end, limit, preserve_dictionary),
// hands the SQL to a [Querier] and streams the record batches it returns.
// The query engine lives elsewhere; this package only defines the seam.
//
// Behaviour compared with the original Micromegas v0.15 service:
//
//   - GetFlightInfo(CommandStatementQuery) returns the real result schema
//     (the original returned an empty one): from the Querier's
//     [SchemaDescriber] when it has one, else by starting the query and
//     releasing its reader. It returns one endpoint whose ticket
//     carries the SQL together with the range, limit and dictionary options,
//     so that DoGet runs the same query even if its own headers differ.
//     Tickets whose handle is plain SQL text, as the Python client builds
//     them, are accepted too; their options come from the DoGet headers.
//   - Prepared statements: the handle is the SQL text, the dataset schema is
//     returned, closing is a no-op. Parameters ("?" or "$1" markers) are
//     bound with DoPut: the server answers with a new handle that carries
//     the SQL and the values, so no state is kept between calls (a load
//     balancer may route each call to another server). A [ParamQuerier]
//     binds them in its engine, and a [ParamDescriber] describes the bound
//     statement and reports the parameter schema (see clientParamSchema);
//     without them the values are rendered as SQL literals
//     (sqltext.Interpolate). The arrow-go database/sql driver sends
//     db.Query(sql, args...) this way.
//   - DoPut(CommandStatementIngest) appends rows to processes, streams,
//     blocks or payloads through an [Ingester], as the original's
//     replication path.
//   - GetTables lists the tables of a [TableLister] (catalog "", schema "",
//     type "table", also matched by the filter "BASE TABLE") with the
//     schemas their queries return, dictionaries decoded unless the client
//     preserves them; GetCatalogs returns no catalog and GetDbSchemas the
//     one schema "" (so that ADBC's GetObjects finds the tables);
//     GetTableTypes returns "table"; GetSqlInfo answers the original's codes
//     (0-2: "Micromegas Flight SQL Server", "1", "1.3"; 508-512: the
//     keywords and functions of [Options.Dialect]) and the read-only,
//     transaction and cancel flags; GetXdbcTypeInfo lists the engine's SQL
//     types.
//   - An empty result, of a metadata call or a statement, is its schema
//     alone: no record batch of zero rows, which some clients index.
//   - Queries are logged at Debug level, failed ones at Warn.
//   - Errors carry gRPC codes: InvalidArgument for bad headers and invalid
//     queries (see [InvalidQueryError]), Canceled and DeadlineExceeded when
//     the client gives up, Internal otherwise.
//   - Dictionary-encoded columns are sent as plain arrays unless the request
//     has "preserve_dictionary: true".
//   - The gRPC health service (grpc.health.v1) reports SERVING; it bypasses
//     the authentication interceptors so load balancers need no token.
package flightsql
