package telemetry

import "github.com/micromegas-go/micromegas/telemetry/sink"

// Stats counts what telemetry recorded, sent and lost. Counters are
// cumulative since Init.
type Stats struct {
	// Sink counts the HTTP messages: sent, dropped for lack of budget,
	// failed after retries.
	Sink sink.Stats
	// BlocksLost and EventsLost count blocks dropped before encoding
	// because the dispatcher was behind (backpressure).
	BlocksLost uint64
	EventsLost uint64
	// EncodeErrors counts blocks that could not be encoded.
	EncodeErrors uint64
	// BlocksEncoded and EventsEncoded count what was encoded.
	BlocksEncoded uint64
	EventsEncoded uint64
	// BlocksUncompressed counts the blocks encoded without compression
	// because the encoders had a backlog (included in BlocksEncoded).
	BlocksUncompressed uint64
	// SampledOutBlocks and SampledOutBytes count span blocks discarded by
	// tail sampling (not an error).
	SampledOutBlocks uint64
	SampledOutBytes  uint64
	// TraceSnapshots counts the flight-recorder snapshots queued for
	// sending, TraceBytes their execution-trace bytes (before LZ4).
	// TraceSkipped counts the triggers ignored because the last snapshot
	// was more recent than FlightRecorder.MinInterval, TraceDropped the
	// snapshots lost: larger than FlightRecorder.MaxBytes, or over the
	// sink's budget.
	TraceSnapshots uint64
	TraceBytes     uint64
	TraceSkipped   uint64
	TraceDropped   uint64
}

// Dropped returns the blocks lost for any reason other than sampling:
// backpressure before the sink, over budget in the sink, or failed sends.
func (s Stats) Dropped() uint64 { return s.BlocksLost + s.Sink.Dropped + s.Sink.Failed }

// Stats returns the counters of the running telemetry (zero when disabled).
func (g *Guard) Stats() Stats {
	if g == nil || g.sys == nil {
		return Stats{}
	}
	return g.sys.stats()
}

// CurrentStats returns the counters of the running telemetry, zero when
// none is running.
func CurrentStats() Stats {
	if sys := active.Load(); sys != nil {
		return sys.stats()
	}
	return Stats{}
}

func (sys *system) stats() Stats {
	return Stats{
		Sink:               sys.sink.Stats(),
		BlocksLost:         sys.blocksLost.Load(),
		EventsLost:         sys.eventsLost.Load(),
		EncodeErrors:       sys.encodeErrors.Load(),
		BlocksEncoded:      sys.blocksEncoded.Load(),
		EventsEncoded:      sys.eventsEncoded.Load(),
		BlocksUncompressed: sys.blocksUncompressed.Load(),
		SampledOutBlocks:   sys.sampledOutBlocks.Load(),
		SampledOutBytes:    sys.sampledOutBytes.Load(),
		TraceSnapshots:     sys.traceSnapshots.Load(),
		TraceBytes:         sys.traceBytes.Load(),
		TraceSkipped:       sys.traceSkipped.Load(),
		TraceDropped:       sys.traceDropped.Load(),
	}
}

// The telemetry's own metrics, recorded at each flush: what it dropped,
// so that losses show in the measures view.
var (
	metricBlocksDropped = NewMetricTarget("micromegas/telemetry", "telemetry_blocks_dropped", "count", "", 0)
	metricEventsLost    = NewMetricTarget("micromegas/telemetry", "telemetry_events_lost", "count", "", 0)
	metricSampledOut    = NewMetricTarget("micromegas/telemetry", "telemetry_blocks_sampled_out", "count", "", 0)
	metricQueuedBytes   = NewMetricTarget("micromegas/telemetry", "telemetry_queued_bytes", "bytes", "", 0)
)

// recordSelfMetrics records the loss counters as metrics of this process.
func (sys *system) recordSelfMetrics() {
	st := sys.stats()
	metricBlocksDropped.write(sys, integerMetricEvent, nil, st.Dropped())
	metricEventsLost.write(sys, integerMetricEvent, nil, st.EventsLost)
	metricQueuedBytes.write(sys, integerMetricEvent, nil, uint64(max(st.Sink.QueuedBytes, 0)))
	if sys.sampler != nil {
		metricSampledOut.write(sys, integerMetricEvent, nil, st.SampledOutBlocks)
	}
}
