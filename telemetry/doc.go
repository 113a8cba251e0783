// Package telemetry records logs, metrics and spans from a Go program and
// sends them to a Micromegas ingestion service, in the wire format of the
// original Micromegas (its servers and ours read the same blocks).
//
// # Setup
//
// Call Init once at start and Shutdown on the returned guard before exit:
//
//	guard, err := telemetry.Init(telemetry.Config{}) // reads MICROMEGAS_TELEMETRY_URL
//	if err != nil { ... }
//	defer guard.Shutdown(context.Background())
//
// Without Init, or without a URL, every call is a cheap no-op. Config
// fields left zero come from the environment: MICROMEGAS_TELEMETRY_URL,
// MICROMEGAS_MAX_LEVEL, MICROMEGAS_ENABLE_CPU_TRACING (spans are recorded
// only when it is "true", as in the original), MICROMEGAS_FLUSH_PERIOD
// (seconds, default 60), MICROMEGAS_PROCESS_PROPERTIES ("k=v,k=v"),
// MICROMEGAS_TELEMETRY_PARENT_PROCESS (set by Init for child processes)
// and MICROMEGAS_INGESTION_API_KEY (sent as a bearer token).
//
// # Events
//
// Static metadata is declared once, as package-level values, and events
// refer to it by id; the metadata travels once per block:
//
//   - LogSite: a log call site (level, target, message). Log records the
//     static message, Logf a formatted one, LogWith a structured record
//     with a PropertySet. A call whose level is filtered out (SetMaxLevel,
//     SetTargetLevel) costs one atomic load. Logf formats the common verbs
//     of basic types, errors and Stringers itself, without allocating,
//     and uses fmt for the rest; the text is always fmt's. With plain
//     number, bool and short string arguments it only copies the values,
//     and the encoder formats the message later.
//   - Metric: a name and a unit; RecordInt and RecordFloat, optionally
//     with properties.
//   - Span: a name. Thread spans are strictly nested on a Track owned by
//     one goroutine (the thread_spans view); async spans (BeginAsync, End,
//     StartAsyncSpan with a context.Context) nest by span id across
//     goroutines (the async_events view).
//
// NewSlogHandler bridges log/slog, so code that logs with slog is captured.
//
// # Cost
//
// Recording an event reads the tick clock once (RDTSC on amd64, CNTVCT_EL0
// on arm64, the monotonic clock elsewhere) and appends a few bytes to a
// buffer of the current P (processor), pinned with runtime_procPin, or of
// the track: no lock, no allocation, no formatting for static messages.
// Full buffers are handed to a dispatcher goroutine; encoder goroutines
// extract the dependencies, compress with LZ4 (an encoder made for event
// blocks; when the encoders have a backlog, blocks go uncompressed rather
// than being dropped) and encode CBOR; the sink
// (package sink) sends with retries and a byte budget. When any stage
// falls behind, whole blocks are dropped and counted (Stats, and the
// telemetry_* metrics of the process): the program never blocks and never
// grows without bound. docs/benchmarks.md has the figures.
//
// # Panics and process properties
//
// Deferred at the top of main or of a goroutine, FlushOnPanic logs a panic
// as a fatal entry with its stack, flushes, and panics again. Every
// process has the properties go-version and gomaxprocs, besides those of
// MICROMEGAS_PROCESS_PROPERTIES and Config.ProcessProperties.
//
// # Streams
//
// Each P has its own log, metrics and cpu (async spans) stream, each with
// its own stream id, tags "log", "metrics" and "cpu"; each Track is a cpu
// stream with the properties thread-name and thread-id. A stream is
// registered with the server before its first block; streams never used
// cost nothing.
//
// # Tail sampling
//
// With Config.TailSampling, span blocks are held for a window and sent only
// when an error is logged, a span is slower than a threshold, KeepRecent is
// called, or by chance; see TailSampling.
package telemetry
