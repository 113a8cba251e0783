package telemetry

import (
	"maps"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/micromegas-go/micromegas/telemetry/sink"
)

// system is an initialized telemetry pipeline: the per-P shards, the
// tracks, and the dispatcher goroutine that turns handed-over buffers into
// blocks for the sink.
type system struct {
	processID  string
	start      dualTime
	cpuTracing bool
	capacity   [nbKinds]int
	// triggerLevel: a log this severe asks tail sampling to keep recent
	// spans; LevelOff (no level is <= 0) without tail sampling.
	triggerLevel Level

	shards   []shard
	overflow shard

	tracksMu sync.Mutex
	tracks   map[*writer]struct{}

	handoffs chan handOff
	free     [nbKinds]chan *eventBuffer
	keepFree int // free buffers kept per kind after a periodic flush
	keep     chan struct{}
	flushReq chan chan struct{}
	stop     chan struct{}
	done     chan struct{}
	stopped  atomic.Bool

	sink    *sink.Sink
	jobs    chan *job // to the encoders
	results chan *job // from the encoders
	workers sync.WaitGroup
	// nbEncoders encoder goroutines are started by run.
	nbEncoders int
	// inflight counts the jobs submitted and not completed
	// (dispatcher-private).
	inflight int
	sampler  *sampler  // nil without tail sampling
	recorder *recorder // nil without the flight recorder
	// helpers are the runtime-metrics and flight-recorder goroutines,
	// which stop with stop.
	helpers sync.WaitGroup
	period  time.Duration
	// discardBlocks drops blocks instead of encoding them: the benchmarks
	// measure the calling goroutine alone, as the original's do with a
	// NullEventSink.
	discardBlocks bool

	blocksLost         atomic.Uint64
	eventsLost         atomic.Uint64
	encodeErrors       atomic.Uint64
	blocksEncoded      atomic.Uint64
	blocksUncompressed atomic.Uint64
	// uncompressed makes every block uncompressed (tests).
	uncompressed     atomic.Bool
	eventsEncoded    atomic.Uint64
	sampledOutBlocks atomic.Uint64
	sampledOutBytes  atomic.Uint64
	traceSnapshots   atomic.Uint64
	traceBytes       atomic.Uint64
	traceSkipped     atomic.Uint64
	traceDropped     atomic.Uint64
}

func newSystem(cfg Config, snk *sink.Sink, start dualTime) *system {
	n := max(runtime.GOMAXPROCS(0), runtime.NumCPU())
	sys := &system{
		processID:     uuid.NewString(),
		start:         start,
		cpuTracing:    cfg.EnableCPUTracing,
		capacity:      [nbKinds]int{cfg.LogBufferSize, cfg.MetricsBufferSize, cfg.CPUBufferSize},
		shards:        make([]shard, n),
		tracks:        map[*writer]struct{}{},
		handoffs:      make(chan handOff, 2*n*int(nbKinds)+16),
		keep:          make(chan struct{}, 1),
		flushReq:      make(chan chan struct{}),
		stop:          make(chan struct{}),
		done:          make(chan struct{}),
		sink:          snk,
		period:        cfg.FlushPeriod,
		discardBlocks: benchDiscardBlocks,
	}
	// The free lists can take back every buffer in flight, so that a
	// burst does not leave writers allocating fresh memory; periodic
	// flushes trim them back to keepFree.
	sys.keepFree = n + 2
	for k := range sys.free {
		sys.free[k] = make(chan *eventBuffer, cap(sys.handoffs)+sys.keepFree)
	}
	sys.nbEncoders = min(max(runtime.GOMAXPROCS(0), 1), maxEncoders)
	sys.jobs = make(chan *job, 2*sys.nbEncoders)
	sys.results = make(chan *job, 3*sys.nbEncoders)
	if cfg.FlightRecorder != nil {
		sys.triggerLevel = DefaultTriggerLevel
	}
	if cfg.TailSampling != nil {
		sys.sampler = newSampler(*cfg.TailSampling, frequency())
		sys.triggerLevel = cfg.TailSampling.TriggerLevel
	}
	for i := range sys.shards {
		sys.initShard(&sys.shards[i], i)
	}
	sys.initShard(&sys.overflow, n)
	return sys
}

// benchDiscardBlocks is set by benchmarks before Init.
var benchDiscardBlocks bool

func (sys *system) initShard(sh *shard, i int) {
	for k := range sh.writers {
		props := map[string]string{"shard": strconv.Itoa(i)}
		if streamKind(k) == kindCPU {
			// Async spans of the goroutines that ran on this P.
			props["thread-name"] = "async-p" + strconv.Itoa(i)
			props["thread-id"] = "p" + strconv.Itoa(i)
		}
		sh.writers[k].init(sys, newStream(streamKind(k), props), sys.start)
	}
}

// takeBuffer returns an empty buffer for a stream of kind k: a recycled
// one, or a new one. It runs on instrumented goroutines, possibly pinned.
func (sys *system) takeBuffer(k streamKind) *eventBuffer {
	select {
	case b := <-sys.free[k]:
		return b
	default:
		return newEventBuffer(sys.capacity[k])
	}
}

// handOver gives a block to the dispatcher without blocking and reports
// whether it was taken. When the dispatcher is behind, the block is
// dropped and counted.
func (sys *system) handOver(h handOff) bool {
	select {
	case sys.handoffs <- h:
		return true
	default:
		if n := h.nbObjects(); n > 0 && !sys.stopped.Load() {
			sys.blocksLost.Add(1)
			sys.eventsLost.Add(uint64(n))
		}
		return false
	}
}

// keepRecent asks tail sampling to keep the recent span blocks and the
// flight recorder for a snapshot.
func (sys *system) keepRecent(reason string) {
	if sys.sampler != nil {
		select {
		case sys.keep <- struct{}{}:
		default:
		}
	}
	if sys.recorder != nil {
		sys.recorder.fire(reason)
	}
}

func (sys *system) addTrack(w *writer) {
	sys.tracksMu.Lock()
	sys.tracks[w] = struct{}{}
	sys.tracksMu.Unlock()
}

func (sys *system) removeTrack(w *writer) {
	sys.tracksMu.Lock()
	delete(sys.tracks, w)
	sys.tracksMu.Unlock()
}

// run is the dispatcher: it encodes blocks, flushes periodically and on
// request, and drains everything at stop.
func (sys *system) run() {
	defer close(sys.done)
	for range sys.nbEncoders {
		sys.workers.Add(1)
		go sys.encodeLoop()
	}
	tick := time.NewTicker(sys.period)
	defer tick.Stop()
	for {
		select {
		case h := <-sys.handoffs:
			sys.process(&h)
		case j := <-sys.results:
			sys.complete(j)
		case <-tick.C:
			sys.recordSelfMetrics()
			sys.flushAll()
			sys.trimFree()
		case done := <-sys.flushReq:
			sys.flushAll()
			close(done)
		case <-sys.keep:
			if sys.sampler != nil {
				sys.sampler.trigger(sys, time.Now())
			}
		case <-sys.stop:
			sys.recordSelfMetrics()
			sys.flushAll()
			if sys.sampler != nil {
				sys.sampler.drop(sys)
			}
			close(sys.jobs)
			sys.workers.Wait()
			return
		}
	}
}

// flushAll sends the blocks handed over and the events not handed over
// yet of every stream.
func (sys *system) flushAll() {
	sys.drain()
	for i := range sys.shards {
		sys.flushShard(&sys.shards[i])
	}
	sys.flushShard(&sys.overflow)
	sys.tracksMu.Lock()
	tracks := make([]*writer, 0, len(sys.tracks))
	for w := range maps.Keys(sys.tracks) {
		tracks = append(tracks, w)
	}
	sys.tracksMu.Unlock()
	for _, w := range tracks {
		if h, ok := w.steal(); ok {
			sys.process(&h)
		}
	}
	sys.drain()
	sys.waitIdle()
	if sys.sampler != nil {
		sys.sampler.evict(sys, time.Now())
	}
}

func (sys *system) flushShard(sh *shard) {
	for k := range sh.writers {
		if h, ok := sh.writers[k].steal(); ok {
			sys.process(&h)
		}
	}
}

// trimFree lets the buffers beyond keepFree go to the garbage collector.
func (sys *system) trimFree() {
	for k := range sys.free {
		for len(sys.free[k]) > sys.keepFree {
			select {
			case <-sys.free[k]:
			default:
			}
		}
	}
}

// drain processes the blocks already handed over.
func (sys *system) drain() {
	for {
		select {
		case h := <-sys.handoffs:
			sys.process(&h)
		default:
			return
		}
	}
}
