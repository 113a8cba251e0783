package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/bloom"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/ngram"
)

// Options configures a Lakehouse.
type Options struct {
	Catalog catalog.Store
	Blobs   *blobstore.Store
	Engine  *engine.Engine
	// CacheDir holds local copies of partition files when the object
	// store is not a local folder (DuckDB reads local files only), and the
	// files made for one query. It must be one of the engine's allowed
	// directories.
	CacheDir string
	// CacheBytes bounds the partition copies in CacheDir (default 10 GiB);
	// the least recently used files no query reads are evicted first.
	CacheBytes int64
	Logger     *slog.Logger
	// RetiredFileExpiration is how long a replaced partition file stays
	// readable for queries in flight (default 1 h).
	RetiredFileExpiration time.Duration
	// OrphanGrace is how long a block whose stream or process is unknown
	// is considered late rather than lost (default 5 min): only older
	// orphans are logged.
	OrphanGrace time.Duration
	// MaxBlocksPerPartition bounds the blocks of one just-in-time
	// partition (default 1000).
	MaxBlocksPerPartition int
	// MaxObjectsPerPartition bounds the events of one just-in-time
	// partition (default 20 Mi, as the original).
	MaxObjectsPerPartition int64
	// JITWindow is the insert-time window that just-in-time partitions
	// never cross (default 1 h, as the original).
	JITWindow time.Duration
	// TableFunctions are table functions written in Go, by name (see
	// TableFunction); a name may not be one of the lakehouse's own.
	TableFunctions map[string]TableFunction
}

// Lakehouse builds and queries the views.
type Lakehouse struct {
	opts  Options
	log   *slog.Logger
	cache *fileCache
	// filters are the msg trigram filters of partition files read so far,
	// traceFilters their trace id filters.
	filters      filterCache[*ngram.Filter]
	traceFilters filterCache[*bloom.Filter]

	jitMu sync.Mutex // one just-in-time update at a time in this process

	// cumulative keeps the cumulative histogram state of the metrics
	// streams converted last (cumulativelookback.go).
	cumulative cumulativeStates

	// spanRowGroupRows is the size of the row groups of thread_spans files
	// (0: engine.RowGroupRows); tests make it small.
	spanRowGroupRows int
}

// spanRows is the number of rows of a row group of thread_spans.
func (l *Lakehouse) spanRows() int {
	if l.spanRowGroupRows > 0 {
		return l.spanRowGroupRows
	}
	return engine.RowGroupRows
}

// New checks opts and returns a Lakehouse.
func New(opts Options) (*Lakehouse, error) {
	if opts.Catalog == nil || opts.Blobs == nil || opts.Engine == nil {
		return nil, errors.New("lakehouse: catalog, object store and engine are required")
	}
	if opts.CacheDir == "" || !filepath.IsAbs(opts.CacheDir) {
		return nil, fmt.Errorf("lakehouse: CacheDir must be an absolute path inside the engine's allowed directories, got %q", opts.CacheDir)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.CacheBytes <= 0 {
		opts.CacheBytes = 10 << 30
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
	if opts.MaxObjectsPerPartition <= 0 {
		opts.MaxObjectsPerPartition = 20 << 20
	}
	if opts.JITWindow <= 0 {
		opts.JITWindow = time.Hour
	}
	cache, err := newFileCache(opts.CacheDir, opts.CacheBytes)
	if err != nil {
		return nil, fmt.Errorf("lakehouse: %w", err)
	}
	if opts.TableFunctions, err = checkTableFunctions(opts.TableFunctions); err != nil {
		return nil, fmt.Errorf("lakehouse: %w", err)
	}
	l := &Lakehouse{opts: opts, log: opts.Logger, cache: cache}
	l.traceFilters.size, l.traceFilters.maxBytes = (*bloom.Filter).Size, maxCachedTraceFilterBytes
	if err := l.registerScalars(context.Background()); err != nil {
		return nil, fmt.Errorf("lakehouse: %w", err)
	}
	return l, nil
}

// GlobalInstance is the view instance id of global views.
const GlobalInstance = "global"

// insertTimeResolution is the precision every catalog keeps for insert
// times; partition ends are rounded up to it so a store that truncates
// cannot make a partition's end fall on a block it already covers.
const insertTimeResolution = time.Microsecond
