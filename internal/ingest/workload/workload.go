// Package workload builds realistic ingestion traffic in the Micromegas
// protocol: a process, its log, metrics and thread (span) streams with the
// type metadata of the original library, and blocks of events encoded in
// the transit format and LZ4-compressed, as an instrumented process would
// send them. The ingestion benchmark, the fault tests and the fuzz seeds
// use it; the blocks parse with internal/transit and nothing else.
package workload

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/micromegas-go/micromegas/internal/transit"
)

// Kind is the kind of a stream.
type Kind int

// The stream kinds of a process (spec 2.3).
const (
	Logs Kind = iota
	Metrics
	Spans
)

func (k Kind) String() string {
	switch k {
	case Logs:
		return "log"
	case Metrics:
		return "metrics"
	case Spans:
		return "cpu"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// TicksPerSecond is the tsc_frequency of generated processes: ticks are
// nanoseconds.
const TicksPerSecond = 1_000_000_000

// Process is a simulated instrumented process with one stream of each kind.
// It is not safe for concurrent use.
type Process struct {
	Info    transit.ProcessInfo
	Streams []*Stream // Logs, Metrics, Spans, in that order

	rng   *rand.Rand
	clock time.Time // wall clock of the next event
}

// Stream is one stream of a Process.
type Stream struct {
	Kind Kind
	Info transit.StreamInfo

	offset int64 // objects sent in previous blocks
	sites  []site
	deps   []byte // dependency buffer: every site, strings first
}

// NewProcess returns a process started at start, with ids and event
// contents drawn from seed (the same seed gives the same process).
func NewProcess(seed uint64, start time.Time) *Process {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	start = start.UTC()
	p := &Process{rng: rng, clock: start}
	p.Info = transit.ProcessInfo{
		ProcessID:    transit.UUID(newUUID(rng)),
		Exe:          "/usr/bin/workload",
		Username:     "bench",
		Realname:     "Bench",
		Computer:     "bench-host",
		Distro:       "linux",
		CPUBrand:     "generated",
		TSCFrequency: TicksPerSecond,
		StartTime:    transit.Time{Time: start},
		StartTicks:   start.UnixNano(),
		Properties:   map[string]string{"generator": "workload"},
	}
	for _, kind := range []Kind{Logs, Metrics, Spans} {
		objs, deps := udtsOf(kind)
		s := &Stream{Kind: kind, sites: newSites(kind, 16)}
		s.Info = transit.StreamInfo{
			ProcessID:            p.Info.ProcessID,
			StreamID:             transit.UUID(newUUID(rng)),
			DependenciesMetadata: deps,
			ObjectsMetadata:      objs,
			Tags:                 []string{kind.String()},
			Properties:           map[string]string{},
		}
		s.deps = encodeSites(s.sites)
		p.Streams = append(p.Streams, s)
	}
	return p
}

func udtsOf(k Kind) (objs, deps []transit.UserDefinedType) {
	switch k {
	case Logs:
		return logUDTs()
	case Metrics:
		return metricsUDTs()
	default:
		return spanUDTs()
	}
}

func newUUID(rng *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return uuid.UUID(b).String()
}

// ProcessBody is the CBOR body of insert_process.
func (p *Process) ProcessBody() ([]byte, error) { return transit.Encode(p.Info) }

// Body is the CBOR body of insert_stream.
func (s *Stream) Body() ([]byte, error) { return transit.Encode(s.Info) }

// NextBlock returns the next block of s holding n events (n ≥ 1), spread
// over one millisecond per 1,000 events after the previous block.
func (p *Process) NextBlock(s *Stream, n int) (transit.Block, error) {
	if n < 1 {
		return transit.Block{}, fmt.Errorf("workload: a block needs at least one event, got %d", n)
	}
	begin := p.clock
	startTicks := p.Info.StartTicks
	step := int64(time.Microsecond)
	objs := make([]byte, 0, n*24)
	for i := range n {
		ticks := begin.UnixNano() + int64(i)*step
		objs = s.appendEvent(objs, p.rng, i, ticks)
	}
	end := begin.Add(time.Duration(int64(n) * step))
	p.clock = end
	depsZ, err := transit.Compress(nil, s.deps)
	if err != nil {
		return transit.Block{}, fmt.Errorf("workload: %w", err)
	}
	objsZ, err := transit.Compress(nil, objs)
	if err != nil {
		return transit.Block{}, fmt.Errorf("workload: %w", err)
	}
	b := transit.Block{
		BlockID:      transit.UUID(newUUID(p.rng)),
		StreamID:     s.Info.StreamID,
		ProcessID:    p.Info.ProcessID,
		BeginTime:    transit.Time{Time: begin},
		BeginTicks:   begin.UnixNano() - startTicks,
		EndTime:      transit.Time{Time: end},
		EndTicks:     end.UnixNano() - startTicks,
		Payload:      transit.BlockPayload{Dependencies: depsZ, Objects: objsZ},
		ObjectOffset: s.offset,
		NbObjects:    int32(n),
	}
	s.offset += int64(n)
	return b, nil
}

// WithID returns the CBOR body of insert_block for b under another block
// id: a cheap way to send many distinct blocks with one generated payload.
func WithID(b transit.Block, blockID string) ([]byte, error) {
	b.BlockID = transit.UUID(blockID)
	return transit.Encode(b)
}

// Template is the encoded body of a block whose id can be replaced
// without encoding again: a load generator's client then costs a copy per
// request, and the CPU goes to the server it measures.
type Template struct {
	body   []byte
	idAt   int // offset of the 36-character block id in body
	Events int // nb_objects of the block
}

// NewTemplate encodes b once.
func NewTemplate(b transit.Block) (*Template, error) {
	body, err := transit.Encode(b)
	if err != nil {
		return nil, err
	}
	at := bytes.Index(body, []byte(b.BlockID))
	if len(b.BlockID) != 36 || at < 0 {
		return nil, fmt.Errorf("workload: block id %q not found as a 36-character string in its body", b.BlockID)
	}
	return &Template{body: body, idAt: at, Events: int(b.NbObjects)}, nil
}

// Body returns a copy of the block's body with blockID (a canonical UUID
// string) as its id.
func (t *Template) Body(blockID string) []byte {
	body := bytes.Clone(t.body)
	copy(body[t.idAt:t.idAt+36], blockID)
	return body
}
