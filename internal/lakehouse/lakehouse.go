package lakehouse

import (
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/engine"
)

// Options configures a Lakehouse.
type Options struct {
	Catalog catalog.Store
	Blobs   *blobstore.Store
	Engine  *engine.Engine
	// CacheDir holds local copies of partition files when the object
	// store is not a local folder (DuckDB reads local files only).
	CacheDir string
	Logger   *slog.Logger
	// RetiredFileExpiration is how long a replaced partition file stays
	// readable for queries in flight (default 1 h).
	RetiredFileExpiration time.Duration
	// OrphanGrace is how long a block whose stream or process is unknown
	// holds back the partitions after it (default 5 min); older orphans
	// are skipped.
	OrphanGrace time.Duration
	// MaxBlocksPerPartition bounds the blocks read for one partition
	// (default 1000), and with it the memory of one update.
	MaxBlocksPerPartition int
}

// Lakehouse builds and queries the views.
type Lakehouse struct {
	opts Options
	log  *slog.Logger

	jitMu sync.Mutex // one JIT update at a time in this process
}

// New checks opts and returns a Lakehouse.
func New(opts Options) (*Lakehouse, error) {
	if opts.Catalog == nil || opts.Blobs == nil || opts.Engine == nil {
		return nil, errors.New("lakehouse: catalog, object store and engine are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RetiredFileExpiration <= 0 {
		opts.RetiredFileExpiration = time.Hour
	}
	if opts.OrphanGrace <= 0 {
		opts.OrphanGrace = 5 * time.Minute
	}
	if opts.MaxBlocksPerPartition <= 0 {
		opts.MaxBlocksPerPartition = 1000
	}
	return &Lakehouse{opts: opts, log: opts.Logger}, nil
}
