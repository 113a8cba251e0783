// Package loadtest is the load and fault harness of cmd/micromegas-loadtest:
// it starts a cluster of real processes on loopback (a throwaway
// PostgreSQL cluster, SeaweedFS, two ingestion nodes, two analytics nodes
// and one maintenance daemon, each a `micromegas serve --roles ...`
// process), instrumented emitter processes that send through a
// round-robin proxy over the ingestion nodes, and queriers on both
// analytics nodes; it injects faults (kill -9 of an ingestion node and of
// an analytics node in the middle of a query, SeaweedFS stopped, a
// PostgreSQL restart) and after each one checks that every block an
// ingestion node acknowledged is queryable exactly once, event for event.
// The Report holds the figures docs/benchmarks.md quotes.
//
// Everything listens on 127.0.0.1 with ports chosen at run time; the run
// is bounded by Config.Duration plus the time the checks take.
package loadtest
