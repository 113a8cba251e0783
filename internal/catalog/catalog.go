// Package catalog holds the metadata of the data lake (processes, streams,
// blocks) and of the lakehouse (partitions, temporary files).
//
// The Store interface is the contract; implementations live in the
// sub-packages sqlite (the embedded default) and postgres (production). Both
// pass the same conformance suite, catalogtest.Run.
//
// Identifiers (process, stream and block ids) are canonical lower-case UUID
// strings. Times are stored with microsecond precision or better and always
// returned in UTC.
package catalog

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by lookups of a single row that does not exist.
var ErrNotFound = errors.New("not found")

// ErrInvalidID is returned (wrapped) when an identifier is not a UUID.
var ErrInvalidID = errors.New("invalid id: want a UUID such as 0a1b2c3d-0000-4000-8000-000000000000")

// ErrConflict is returned (wrapped) by InsertBlock when the block id is
// already recorded for another stream or process: the new block names
// another object, and keeping the first row silently would acknowledge a
// block that the catalog does not describe.
var ErrConflict = errors.New("id already recorded with other identifiers")

// ErrSuperseded is returned (wrapped) by ReplacePartitions when a
// partition with rows of the same view instance and schema overlaps the
// new one's insert range without lying within it: another writer (a
// second daemon, another analytics node) covered the range differently
// since the caller listed the partitions. Inserting anyway would count
// the rows of the overlap twice, so nothing changes except that the new
// partition's file is scheduled for deletion.
var ErrSuperseded = errors.New("partition superseded by an overlapping partition")

// ErrUnavailable marks errors caused by the catalog being unreachable (the
// database is down, the connection pool is exhausted). The ingestion service
// maps it to HTTP 503.
var ErrUnavailable = errors.New("catalog unavailable")

// Process is one instrumented process (spec 2.4, table processes).
type Process struct {
	ProcessID       string
	Exe             string
	Username        string
	Realname        string
	Computer        string
	Distro          string
	CPUBrand        string
	TSCFrequency    int64
	StartTime       time.Time
	StartTicks      int64
	ParentProcessID string            // "" when the process has no parent
	Properties      map[string]string // never nil on values returned by a Store
	InsertTime      time.Time         // set by the store on insert
}

// Stream is one stream of a process (table streams). The metadata fields
// hold the CBOR-encoded user-defined types that describe the stream's
// dependency and object queues.
type Stream struct {
	StreamID             string
	ProcessID            string
	DependenciesMetadata []byte
	ObjectsMetadata      []byte
	Tags                 []string          // never nil on values returned by a Store
	Properties           map[string]string // never nil on values returned by a Store
	Format               string            // DefaultStreamFormat unless set
	InsertTime           time.Time         // set by the store on insert
}

// DefaultStreamFormat is the format of streams inserted without one: the
// Micromegas transit encoding. OTLP streams use "otlp/v1/logs" and the like.
const DefaultStreamFormat = "micromegas-transit"

// Formats of the streams of OpenTelemetry data (package otlp): each block
// is the protobuf encoding of an OTLP export request of that signal
// (ExportLogsServiceRequest, ExportMetricsServiceRequest,
// ExportTraceServiceRequest) holding the resources of one process.
const (
	FormatOTLPLogs    = "otlp/v1/logs"
	FormatOTLPMetrics = "otlp/v1/metrics"
	FormatOTLPTraces  = "otlp/v1/traces"
)

// Block is the metadata of one block of events; its payload is in the
// object store at blobs/{ProcessID}/{StreamID}/{BlockID}.
type Block struct {
	BlockID      string
	StreamID     string
	ProcessID    string
	BeginTime    time.Time
	BeginTicks   int64
	EndTime      time.Time
	EndTicks     int64
	NbObjects    int32
	ObjectOffset int64
	PayloadSize  int64
	InsertTime   time.Time // set by the store on insert
}

// BlockFilter selects blocks. Zero-valued fields do not filter.
type BlockFilter struct {
	ProcessID string
	StreamID  string
	// Tag keeps blocks whose stream carries this tag (a join with streams).
	Tag string
	// InsertedFrom and InsertedTo bound insert_time as [from, to).
	InsertedFrom time.Time
	InsertedTo   time.Time
	// Limit caps the number of blocks returned; 0 means no limit.
	Limit int
}

// Partition is one lakehouse partition (table lakehouse_partitions): a
// Parquet file, or an empty record, covering the insert-time range
// [BeginInsertTime, EndInsertTime) of its source blocks.
type Partition struct {
	ViewSetName     string
	ViewInstanceID  string
	BeginInsertTime time.Time
	EndInsertTime   time.Time
	MinEventTime    time.Time // zero when NumRows == 0
	MaxEventTime    time.Time // zero when NumRows == 0
	Updated         time.Time
	FilePath        string // "" when NumRows == 0
	FileSize        int64
	FileSchemaHash  []byte
	SourceDataHash  []byte
	NumRows         int64
}

// PartitionFilter selects partitions, normally of one view instance.
// Zero-valued fields do not filter: an empty ViewSetName or ViewInstanceID
// matches every view set or instance.
type PartitionFilter struct {
	ViewSetName    string
	ViewInstanceID string
	FileSchemaHash []byte // nil: any schema
	// MinEventTime/MaxEventTime keep partitions whose event-time range
	// overlaps [MinEventTime, MaxEventTime] (empty partitions never match
	// when either is set).
	MinEventTime time.Time
	MaxEventTime time.Time
}

// PartitionRange selects partitions to delete: those whose insert range
// lies within [Begin, End], of one view set and instance when they are
// given.
type PartitionRange struct {
	ViewSetName    string    // "": every view set
	ViewInstanceID string    // "": every instance
	Begin          time.Time // zero: no lower bound
	End            time.Time // required
	// Limit caps the number of partitions deleted, those ending first
	// going first; 0 means no limit.
	Limit int
}

// TemporaryFile is an object scheduled for deletion once Expiration passes.
type TemporaryFile struct {
	FilePath   string
	FileSize   int64
	Expiration time.Time
}

// Store is the catalog. Implementations are safe for concurrent use by
// multiple goroutines and by multiple processes sharing one database.
//
// Insert methods are idempotent: inserting a row whose id already exists
// is a no-op and not an error, so clients may retry freely.
//
// Methods taking identifiers return an error wrapping ErrInvalidID when one
// is not a UUID, and errors wrapping ErrUnavailable when the database
// cannot be reached.
type Store interface {
	// InsertProcess records a process if absent.
	InsertProcess(ctx context.Context, p Process) error
	// InsertStream records a stream if absent.
	InsertStream(ctx context.Context, s Stream) error
	// InsertBlock records a block if absent. When the id is already
	// recorded with another stream or process id, it returns an error
	// wrapping ErrConflict (same ids: a retry, no error).
	InsertBlock(ctx context.Context, b Block) error

	// GetProcess returns one process or ErrNotFound.
	GetProcess(ctx context.Context, processID string) (Process, error)
	// GetStream returns one stream or ErrNotFound.
	GetStream(ctx context.Context, streamID string) (Stream, error)
	// ListProcesses returns processes ordered by start time.
	ListProcesses(ctx context.Context) ([]Process, error)
	// ListStreams returns the streams of a process ordered by insert time.
	ListStreams(ctx context.Context, processID string) ([]Stream, error)
	// ListBlocks returns blocks ordered by (insert_time, block_id).
	ListBlocks(ctx context.Context, f BlockFilter) ([]Block, error)

	// ListPartitions returns partitions ordered by (begin_insert_time, file_path).
	ListPartitions(ctx context.Context, f PartitionFilter) ([]Partition, error)
	// ReplacePartitions atomically (one transaction) retires the
	// partitions of p's view instance whose insert range lies within
	// [p.BeginInsertTime, p.EndInsertTime] (exact match when begin ==
	// end), schedules their files in temporary_files with the given
	// expiration, and inserts p. It returns the retired partitions,
	// ordered like ListPartitions. A zero p.Updated is set to now.
	//
	// Partitions of one instance never overlap: when a partition with
	// rows and p's schema hash overlaps (begin < p's end and end > p's
	// begin) without lying within p's range, nothing is retired, p is not
	// inserted, its file is scheduled in temporary_files, and the error
	// wraps ErrSuperseded. Replacements of one instance are serialized
	// across processes sharing the database.
	ReplacePartitions(ctx context.Context, p Partition, retiredFileExpiration time.Time) ([]Partition, error)

	// DeletePartitions deletes, in one transaction, the partitions r
	// selects and schedules their files in temporary_files with the given
	// expiration (so queries that listed them can still read them). It
	// returns the deleted partitions, ordered like ListPartitions. A zero
	// r.End is an error.
	DeletePartitions(ctx context.Context, r PartitionRange, retiredFileExpiration time.Time) ([]Partition, error)

	// DeleteBlocks deletes the rows of the given blocks (not their
	// objects) and returns how many existed. Retention calls it with the
	// blocks inserted before the expiration time.
	DeleteBlocks(ctx context.Context, blockIDs []string) (int64, error)
	// DeleteEmptyStreams deletes the streams inserted before `before`
	// that no block references and returns how many. Younger streams stay:
	// one may be about to receive its first block.
	DeleteEmptyStreams(ctx context.Context, before time.Time) (int64, error)
	// DeleteEmptyProcesses deletes the processes inserted before `before`
	// that no stream or block references and returns how many.
	DeleteEmptyProcesses(ctx context.Context, before time.Time) (int64, error)

	// LivePartitionFiles returns those of paths that are the file of a
	// partition, sorted. Analytics nodes ask it which partition files
	// they cache are retired, to drop them.
	LivePartitionFiles(ctx context.Context, paths []string) ([]string, error)

	// ListExpiredTemporaryFiles returns temporary files whose expiration
	// is before now, ordered by (expiration, file_path).
	ListExpiredTemporaryFiles(ctx context.Context, now time.Time) ([]TemporaryFile, error)
	// DeleteTemporaryFiles removes rows of temporary_files by path.
	DeleteTemporaryFiles(ctx context.Context, paths []string) error

	// Ping checks that the catalog answers (used by /ready).
	Ping(ctx context.Context) error
	// Close releases the connections.
	Close() error
}
