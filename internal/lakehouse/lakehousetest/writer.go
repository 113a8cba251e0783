package lakehousetest

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// Stream kinds.
const (
	KindLog     = "log"
	KindMetrics = "metrics"
	KindCPU     = "cpu"
)

// Writer inserts processes, streams and blocks as the ingestion service
// would.
type Writer struct {
	Catalog *Store
	Blobs   *blobstore.Store
}

// Process is a process being written.
type Process struct {
	catalog.Process
}

// Stream is a stream being written: it tracks the object offset.
type Stream struct {
	catalog.Stream
	Process *Process
	offset  int64
}

// NewProcess inserts a process that started at start with the given tick
// frequency (0 tests frequency estimation) and start ticks.
func (w *Writer) NewProcess(ctx context.Context, exe string, start time.Time, startTicks, freq int64, props map[string]string) (*Process, error) {
	if props == nil {
		props = map[string]string{}
	}
	p := &Process{catalog.Process{
		ProcessID: uuid.NewString(), Exe: exe, Username: "user", Realname: "Real Name", Computer: "host",
		Distro: "linux", CPUBrand: "cpu", TSCFrequency: freq, StartTime: start.UTC(), StartTicks: startTicks,
		Properties: props,
	}}
	if err := w.Catalog.InsertProcess(ctx, p.Process); err != nil {
		return nil, fmt.Errorf("insert process: %w", err)
	}
	return p, nil
}

// NewStream inserts a stream of the given kind.
func (w *Writer) NewStream(ctx context.Context, p *Process, kind string, props map[string]string) (*Stream, error) {
	if props == nil {
		props = map[string]string{}
	}
	var objs []transit.UserDefinedType
	switch kind {
	case KindLog:
		objs = LogUDTs()
	case KindMetrics:
		objs = MetricsUDTs()
	case KindCPU:
		objs = ThreadUDTs()
	default:
		return nil, fmt.Errorf("unknown stream kind %q", kind)
	}
	depMeta, err := transit.EncodeUDTs(DepUDTs())
	if err != nil {
		return nil, err
	}
	objMeta, err := transit.EncodeUDTs(objs)
	if err != nil {
		return nil, err
	}
	s := &Stream{Stream: catalog.Stream{
		StreamID: uuid.NewString(), ProcessID: p.ProcessID, DependenciesMetadata: depMeta, ObjectsMetadata: objMeta,
		Tags: []string{kind}, Properties: props,
	}, Process: p}
	if err := w.Catalog.InsertStream(ctx, s.Stream); err != nil {
		return nil, fmt.Errorf("insert stream: %w", err)
	}
	return s, nil
}

// WriteBlock stores blk as the next block of s, covering the absolute
// ticks [beginTicks, endTicks] (begin and end times follow from the
// process frequency, or from now when it is 0). A non-zero insertTime
// overrides the insert time the catalog records.
func (w *Writer) WriteBlock(ctx context.Context, s *Stream, blk *Block, beginTicks, endTicks int64, insertTime time.Time) (catalog.Block, error) {
	b, err := w.putBlock(ctx, s, blk, beginTicks, endTicks)
	if err != nil {
		return b, err
	}
	if !insertTime.IsZero() {
		w.Catalog.SetInsertTime(b.BlockID, insertTime)
	}
	if err := w.Catalog.InsertBlock(ctx, b); err != nil {
		return b, fmt.Errorf("insert block: %w", err)
	}
	s.offset += int64(blk.Len())
	b.InsertTime = w.Catalog.insertTime(b.BlockID, time.Now())
	return b, nil
}

// PutBlock is WriteBlock without the catalog: it only stores the payload
// and returns the block, inserted at insertTime, for tests that hand
// blocks to the lakehouse themselves. Tens of thousands of blocks then
// cost one small object each and no catalog transaction.
func (w *Writer) PutBlock(ctx context.Context, s *Stream, blk *Block, beginTicks, endTicks int64, insertTime time.Time) (catalog.Block, error) {
	b, err := w.putBlock(ctx, s, blk, beginTicks, endTicks)
	if err != nil {
		return b, err
	}
	s.offset += int64(blk.Len())
	b.InsertTime = insertTime.UTC()
	return b, nil
}

// putBlock stores the payload of blk as the next block of s.
func (w *Writer) putBlock(ctx context.Context, s *Stream, blk *Block, beginTicks, endTicks int64) (catalog.Block, error) {
	payload, err := blk.Payload()
	if err != nil {
		return catalog.Block{}, err
	}
	p := s.Process
	b := catalog.Block{
		BlockID: uuid.NewString(), StreamID: s.StreamID, ProcessID: p.ProcessID,
		BeginTime: ticksTime(p, beginTicks), BeginTicks: beginTicks - p.StartTicks,
		EndTime: ticksTime(p, endTicks), EndTicks: endTicks - p.StartTicks,
		NbObjects: int32(blk.Len()), ObjectOffset: s.offset, PayloadSize: int64(len(payload)),
	}
	if err := w.Blobs.Put(ctx, blobstore.BlockKey(b.ProcessID, b.StreamID, b.BlockID), payload); err != nil {
		return b, fmt.Errorf("put block: %w", err)
	}
	return b, nil
}

// ticksTime converts absolute ticks with the process's declared frequency
// (exactly as the lakehouse does).
func ticksTime(p *Process, ticks int64) time.Time {
	if p.TSCFrequency <= 0 {
		return p.StartTime.Add(time.Duration(ticks-p.StartTicks) * time.Nanosecond)
	}
	d := ticks - p.StartTicks
	secs, rem := d/p.TSCFrequency, d%p.TSCFrequency
	return p.StartTime.Add(time.Duration(secs)*time.Second + time.Duration((rem*int64(time.Second)+p.TSCFrequency/2)/p.TSCFrequency))
}

// TimeOf converts absolute ticks of p to a time, as the lakehouse does.
func (p *Process) TimeOf(ticks int64) time.Time { return ticksTime(p, ticks) }

// PutCopies is PutBlock for one block per insert time, all with the
// payload of blk: the blocks of a minute of fast ingestion, cheaply. In a
// local store the copies are hard links to the first object.
func (w *Writer) PutCopies(ctx context.Context, s *Stream, blk *Block, beginTicks, endTicks int64, inserts []time.Time) ([]catalog.Block, error) {
	var out []catalog.Block
	var first string
	for i, ins := range inserts {
		if first == "" {
			b, err := w.PutBlock(ctx, s, blk, beginTicks, endTicks, ins)
			if err != nil {
				return out, err
			}
			out = append(out, b)
			if i == 0 {
				first, _ = w.Blobs.LocalPath(blobstore.BlockKey(b.ProcessID, b.StreamID, b.BlockID))
			}
			continue
		}
		b := out[0]
		b.BlockID, b.ObjectOffset, b.InsertTime = uuid.NewString(), s.offset, ins.UTC()
		path, _ := w.Blobs.LocalPath(blobstore.BlockKey(b.ProcessID, b.StreamID, b.BlockID))
		if err := os.Link(first, path); err != nil {
			return out, fmt.Errorf("put block copy: %w", err)
		}
		s.offset += int64(blk.Len())
		out = append(out, b)
	}
	return out, nil
}
