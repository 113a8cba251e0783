package loadtest

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Report is what a run measured.
type Report struct {
	Emitters        int     `json:"emitters"`
	RatePerEmitter  float64 `json:"rate_per_emitter"`
	LoadSeconds     float64 `json:"load_seconds"`
	EventsEmitted   int64   `json:"events_emitted"`
	EventsAcked     int64   `json:"events_acked"`
	EventsPerSecond float64 `json:"events_per_second_in"`
	BlocksAcked     int     `json:"blocks_acked"`
	// EventsRecorded are the events the emitters' telemetry recorded:
	// EventsEmitted and its own metrics (telemetry_*). EventsStored are
	// the events of their blocks in the catalog at the end; EventsDropped
	// = EventsRecorded − EventsStored, and BlocksDropped is what the
	// senders' counters say they gave up.
	EventsRecorded int64  `json:"events_recorded"`
	EventsStored   int64  `json:"events_stored"`
	EventsDropped  int64  `json:"events_dropped"`
	BlocksDropped  uint64 `json:"blocks_dropped_by_senders"`
	// BlocksUnaccounted is the blocks the senders encoded that are neither
	// stored nor counted as dropped (must be 0).
	BlocksUnaccounted int64 `json:"blocks_unaccounted"`

	IngestP50 Millis `json:"ingest_p50_ms"`
	IngestP99 Millis `json:"ingest_p99_ms"`
	// MaterializationLag is now − the end of the last global log_entries
	// partition, sampled every 2 s; VisibilityLag is now − the time of the
	// newest log line a query sees (it includes the senders' 1 s flush).
	MaterializationLagP50 Millis                  `json:"materialization_lag_p50_ms"`
	MaterializationLagP99 Millis                  `json:"materialization_lag_p99_ms"`
	VisibilityLagP50      Millis                  `json:"visibility_lag_p50_ms"`
	VisibilityLagP99      Millis                  `json:"visibility_lag_p99_ms"`
	Queries               map[string]QueryFigures `json:"queries"`
	QueryErrors           int                     `json:"query_errors"`
	Roles                 map[string]RoleFigures  `json:"roles"`
	// RawBytes are the block payloads in the object store; ParquetBytes
	// the files of the global partitions at the end.
	RawBytes     int64 `json:"raw_bytes"`
	ParquetBytes int64 `json:"parquet_bytes"`

	Faults []FaultResult `json:"faults"`
	Final  Check         `json:"final_check"`
}

// Millis is a duration shown in milliseconds.
type Millis float64

func ms(d time.Duration) Millis { return Millis(float64(d) / float64(time.Millisecond)) }

// QueryFigures are the latencies of one query of QuerySet.
type QueryFigures struct {
	Count int    `json:"count"`
	P50   Millis `json:"p50_ms"`
	P99   Millis `json:"p99_ms"`
}

// RoleFigures are the resources the nodes of a role used.
type RoleFigures struct {
	Nodes      int     `json:"nodes"`
	CPUSeconds float64 `json:"cpu_seconds"`
	PeakRSSMiB float64 `json:"peak_rss_mib"` // of the largest node
}

// FaultResult is one injected fault and what followed.
type FaultResult struct {
	Name string `json:"name"`
	// DownSeconds is how long the part was down; RecoverySeconds until
	// every node answered /ready again; CatchUpSeconds, from then, until
	// the daemon's partitions covered everything inserted before it.
	DownSeconds     float64 `json:"down_seconds"`
	RecoverySeconds float64 `json:"recovery_seconds"`
	CatchUpSeconds  float64 `json:"catch_up_seconds"`
	// SurvivorAnswered and SurvivorErrors are the queries of the other
	// analytics node while one was down (analytics fault only).
	SurvivorAnswered int    `json:"survivor_answered,omitempty"`
	SurvivorErrors   int    `json:"survivor_errors,omitempty"`
	Check            Check  `json:"check"`
	Err              string `json:"error,omitempty"`
}

// OK reports whether the run lost or duplicated nothing acknowledged and
// every fault was followed by a good check.
func (r *Report) OK() bool {
	if !r.Final.OK() || r.BlocksUnaccounted != 0 {
		return false
	}
	for _, f := range r.Faults {
		if f.Err != "" || !f.Check.OK() || f.SurvivorErrors != 0 {
			return false
		}
	}
	return true
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(p * float64(len(s)-1))
	return s[i]
}

// Write prints the report as text.
func (r *Report) Write(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "load          %d emitters × %.0f events/s for %.0f s\n", r.Emitters, r.RatePerEmitter, r.LoadSeconds)
	fmt.Fprintf(&b, "events        %d emitted (%d recorded with the senders' own metrics), %d acknowledged (%.0f/s in), %d stored, %d dropped\n",
		r.EventsEmitted, r.EventsRecorded, r.EventsAcked, r.EventsPerSecond, r.EventsStored, r.EventsDropped)
	fmt.Fprintf(&b, "blocks        %d acknowledged; senders dropped %d; unaccounted %d\n", r.BlocksAcked, r.BlocksDropped, r.BlocksUnaccounted)
	fmt.Fprintf(&b, "ingestion     p50 %.1f ms, p99 %.1f ms (insert_block through the proxy)\n", r.IngestP50, r.IngestP99)
	fmt.Fprintf(&b, "lag           materialization p50 %.0f ms, p99 %.0f ms; visibility p50 %.0f ms, p99 %.0f ms\n",
		r.MaterializationLagP50, r.MaterializationLagP99, r.VisibilityLagP50, r.VisibilityLagP99)
	for _, q := range QuerySet {
		f := r.Queries[q.Name]
		fmt.Fprintf(&b, "query         %-15s n=%-5d p50 %7.1f ms  p99 %7.1f ms\n", q.Name, f.Count, f.P50, f.P99)
	}
	fmt.Fprintf(&b, "query errors  %d (all nodes, faults included)\n", r.QueryErrors)
	for _, role := range []string{"ingestion", "analytics", "maintenance"} {
		f := r.Roles[role]
		fmt.Fprintf(&b, "role          %-11s %d node(s): %.1f CPU-s, peak RSS %.0f MiB\n", role, f.Nodes, f.CPUSeconds, f.PeakRSSMiB)
	}
	if r.EventsStored > 0 {
		fmt.Fprintf(&b, "storage       raw blocks %.1f MiB (%.2f B/event), global Parquet %.1f MiB (%.2f B/event)\n",
			float64(r.RawBytes)/(1<<20), float64(r.RawBytes)/float64(r.EventsStored),
			float64(r.ParquetBytes)/(1<<20), float64(r.ParquetBytes)/float64(r.EventsStored))
	}
	for _, f := range r.Faults {
		fmt.Fprintf(&b, "fault         %s: down %.1f s, recovered in %.1f s, daemon caught up in %.1f s", f.Name, f.DownSeconds, f.RecoverySeconds, f.CatchUpSeconds)
		if f.Name == "kill -9 analytics mid-query" {
			fmt.Fprintf(&b, ", survivor answered %d queries with %d errors", f.SurvivorAnswered, f.SurvivorErrors)
		}
		if f.Err != "" {
			fmt.Fprintf(&b, ", error: %s", f.Err)
		}
		fmt.Fprintf(&b, "\n              %s\n", f.Check)
	}
	fmt.Fprintf(&b, "final         %s\n", r.Final)
	verdict := "PASS: nothing acknowledged was lost or duplicated"
	if !r.OK() {
		verdict = "FAIL"
	}
	fmt.Fprintln(&b, verdict)
	io.WriteString(w, b.String())
}
