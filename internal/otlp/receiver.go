package otlp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
)

// DefaultMaxBodyBytes is the largest request accepted, compressed or
// not (413 beyond), as the ingestion service's.
const DefaultMaxBodyBytes = 100 << 20

// Options configures a Receiver.
type Options struct {
	// Catalog receives the rows of processes, streams and blocks.
	Catalog catalog.Store
	// Blobs receives the block payloads, before their catalog rows.
	Blobs *blobstore.Store
	// Logger gets one warning per failed request (never bodies); nil
	// discards.
	Logger *slog.Logger
	// MaxBodyBytes bounds HTTP bodies, before and after decompression
	// (default DefaultMaxBodyBytes).
	MaxBodyBytes int64
}

// maxKnownStreams bounds the streams a Receiver remembers having
// written; past it the memory is cleared (rows are then written again,
// which is harmless: inserts are idempotent).
const maxKnownStreams = 1 << 16

// Receiver decodes OTLP requests and stores them. It is safe for
// concurrent use; the HTTP handlers (Routes) and the gRPC server
// (NewGRPCServer) share it.
type Receiver struct {
	opts Options
	log  *slog.Logger

	mu    sync.Mutex
	known map[string]struct{} // streams whose process and stream rows are written
}

// New checks opts and returns a Receiver.
func New(opts Options) (*Receiver, error) {
	if opts.Catalog == nil || opts.Blobs == nil {
		return nil, errors.New("otlp: a catalog and an object store are required")
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Receiver{opts: opts, log: opts.Logger, known: map[string]struct{}{}}, nil
}

// exportLogs stores a logs request; raw is its protobuf body, nil for
// JSON or gRPC.
func (r *Receiver) exportLogs(ctx context.Context, req plogotlp.ExportRequest, raw []byte) (rejection, error) {
	batches, rej, err := splitLogs(req, raw, time.Now())
	if err != nil {
		return rej, err
	}
	return rej, r.store(ctx, Logs, batches)
}

// exportMetrics stores a metrics request (see exportLogs).
func (r *Receiver) exportMetrics(ctx context.Context, req pmetricotlp.ExportRequest, raw []byte) (rejection, error) {
	batches, rej, err := splitMetrics(req, raw)
	if err != nil {
		return rej, err
	}
	return rej, r.store(ctx, Metrics, batches)
}

// exportTraces stores a traces request (see exportLogs).
func (r *Receiver) exportTraces(ctx context.Context, req ptraceotlp.ExportRequest, raw []byte) (rejection, error) {
	batches, rej, err := splitTraces(req, raw)
	if err != nil {
		return rej, err
	}
	return rej, r.store(ctx, Traces, batches)
}

// store writes each batch as a block of its process's stream of signal
// s: the object first, then the catalog row, both idempotent.
func (r *Receiver) store(ctx context.Context, s Signal, batches []batch) error {
	for _, b := range batches {
		streamID := StreamID(b.processID, s)
		if err := r.ensureStream(ctx, s, b, streamID); err != nil {
			return err
		}
		blockID := uuid.NewSHA1(uuid.MustParse(streamID), b.payload).String()
		key := blobstore.BlockKey(b.processID, streamID, blockID)
		if err := r.opts.Blobs.Put(ctx, key, b.payload); err != nil {
			return fmt.Errorf("write block %s: %w", blockID, err)
		}
		begin, end := time.Unix(0, b.begin).UTC(), time.Unix(0, b.end).UTC()
		err := r.opts.Catalog.InsertBlock(ctx, catalog.Block{
			BlockID: blockID, StreamID: streamID, ProcessID: b.processID,
			BeginTime: begin, BeginTicks: b.begin, EndTime: end, EndTicks: b.end,
			NbObjects: int32(b.records), PayloadSize: int64(len(b.payload)),
		})
		if err != nil {
			return fmt.Errorf("insert block %s: %w", blockID, err)
		}
	}
	return nil
}

// ensureStream writes the process and stream rows of a batch unless this
// receiver wrote them already.
func (r *Receiver) ensureStream(ctx context.Context, s Signal, b batch, streamID string) error {
	r.mu.Lock()
	_, ok := r.known[streamID]
	r.mu.Unlock()
	if ok {
		return nil
	}
	p := newProcess(b.processID, b.resource, time.Unix(0, b.begin).UTC())
	if err := r.opts.Catalog.InsertProcess(ctx, p); err != nil {
		return fmt.Errorf("insert process %s: %w", b.processID, err)
	}
	if err := r.opts.Catalog.InsertStream(ctx, newStream(b.processID, s)); err != nil {
		return fmt.Errorf("insert stream %s: %w", streamID, err)
	}
	r.mu.Lock()
	if len(r.known) >= maxKnownStreams {
		clear(r.known)
	}
	r.known[streamID] = struct{}{}
	r.mu.Unlock()
	return nil
}
