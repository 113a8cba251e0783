// Package client queries the Micromegas analytics service over Apache Arrow
// Flight SQL.
//
// Dial connects to the service, Query streams the result of a SQL query as
// Arrow record batches and QueryAll collects them. A TimeRange limits the
// query to an interval of time: it is sent as the query_range_begin and
// query_range_end headers and lets the server skip the partitions outside
// it, so queries with a range are much cheaper. QueryParams binds values
// to the query's ? (or $1, $2, ...) markers through a prepared statement:
//
//	rdr, err := c.QueryParams(ctx, "SELECT msg FROM view_instance('log_entries', ?) WHERE level <= ?",
//		client.Last(time.Hour), processID, 3)
//
//	c, err := client.Dial(ctx, "grpc://localhost:50051", client.WithToken(token))
//	if err != nil { ... }
//	defer c.Close()
//	rdr, err := c.Query(ctx, "SELECT time, msg FROM log_entries", client.Last(time.Hour))
//	if err != nil { ... }
//	defer rdr.Release()
//	for rdr.Next() {
//		batch := rdr.RecordBatch() // valid until the next call to Next
//		...
//	}
//	if err := rdr.Err(); err != nil { ... }
//
// Servers with authentication want a bearer token on every call:
// WithToken for an API key, WithTokenSource for tokens that expire (OAuth2
// client credentials, the tokens of micromegas login). grpc+tls:// and
// https:// addresses use TLS; WithCAFile trusts a private CA. WhoAmI tells
// who the server sees; admins manage API keys with CreateAPIKey,
// ListAPIKeys and RevokeAPIKey.
//
// Errors from the server are gRPC status errors, possibly wrapped:
// status.Code(err) is codes.InvalidArgument for a bad query,
// codes.Unauthenticated for a missing or rejected token and
// codes.PermissionDenied for a token without the right.
package client
