// Package otlp receives OpenTelemetry data: OTLP/HTTP handlers that the
// ingestion server mounts (/v1/logs, /v1/metrics, /v1/traces and the
// original's /ingestion/otlp/v1/...), and an OTLP/gRPC server. Requests
// are decoded with the OpenTelemetry collector's pdata types (protobuf or
// JSON, optionally gzip-compressed) and stored as blocks, like the
// Micromegas protocol's: the cost of ingestion stays a write, and the
// lakehouse decodes the blocks when it builds its views.
//
// # Processes, streams and blocks
//
// A request is split by resource. The resource identifies a process (see
// ProcessID for the attributes that make its UUID v5); its exe, computer,
// username, distro and properties are filled from the resource
// attributes. Each process has one stream per signal, whose format is
// catalog.FormatOTLPLogs, FormatOTLPMetrics or FormatOTLPTraces and whose
// tag selects the views that read it ("log": log_entries and log_stats,
// "metrics": measures and measure_stats, "traces": otel_spans). A block
// is the protobuf encoding of an export request holding the resources of
// one process: the request body itself when it is protobuf, names a
// single process and has no rejected record. Its id is a UUID v5 of its
// stream and its bytes, so a retried request writes the same object
// (create-only) and the same catalog row (idempotent) and adds nothing.
//
// # Answers
//
// As the OTLP specification says: 200 with an export response (in the
// request's encoding) whose partial_success counts the records refused
// and says why; 400 for a body that does not decode, 413 beyond the size
// limit (compressed or not), 415 for another content type or encoding,
// 503 with Retry-After when the catalog or the object store is
// unavailable. Errors carry a google.rpc.Status message. The gRPC server
// answers with the matching codes (InvalidArgument, Unavailable, ...).
package otlp
