package lakehouse

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/engine"
)

// QueryOptions are the per-query settings of a client.
type QueryOptions struct {
	// Begin and End, when both set, restrict the partitions read to those
	// whose events overlap [Begin, End].
	Begin, End time.Time
	// Limit caps the rows returned; 0 means no limit.
	Limit int64
}

// Query brings the views up to date and runs sql over them. The reader
// must be released.
func (l *Lakehouse) Query(ctx context.Context, sql string, opts QueryOptions) (array.RecordReader, error) {
	if err := l.UpdateLogEntries(ctx); err != nil {
		return nil, fmt.Errorf("update log_entries: %w", err)
	}
	logs, err := l.viewTable(ctx, LogEntriesView, GlobalInstance, logEntriesSchemaHash, opts)
	if err != nil {
		return nil, err
	}
	logs.Schema = LogEntriesSchema
	rdr, err := l.opts.Engine.Query(ctx, sql, []engine.Table{logs})
	if err != nil {
		return nil, err
	}
	if opts.Limit > 0 {
		rdr = newLimitReader(rdr, opts.Limit)
	}
	return rdr, nil
}

// viewTable lists the partitions of a view instance that a query needs
// and makes their files local.
func (l *Lakehouse) viewTable(ctx context.Context, view, instance string, schemaHash []byte, opts QueryOptions) (engine.Table, error) {
	f := catalog.PartitionFilter{ViewSetName: view, ViewInstanceID: instance, FileSchemaHash: schemaHash}
	if !opts.Begin.IsZero() && !opts.End.IsZero() {
		f.MinEventTime, f.MaxEventTime = opts.Begin, opts.End
	}
	parts, err := l.opts.Catalog.ListPartitions(ctx, f)
	if err != nil {
		return engine.Table{}, fmt.Errorf("list %s partitions: %w", view, err)
	}
	t := engine.Table{Name: view}
	for _, p := range parts {
		if p.NumRows == 0 || p.FilePath == "" {
			continue
		}
		path, err := l.localFile(ctx, p.FilePath)
		if err != nil {
			return engine.Table{}, err
		}
		t.Files = append(t.Files, path)
	}
	return t, nil
}

// localFile returns a local path of an object: in place for a local object
// store, else a copy in the cache folder (partition files are immutable, so
// a cached copy never goes stale).
func (l *Lakehouse) localFile(ctx context.Context, key string) (string, error) {
	if p, ok := l.opts.Blobs.LocalPath(key); ok {
		return p, nil
	}
	if l.opts.CacheDir == "" {
		return "", fmt.Errorf("partition %s: the object store is remote and no cache folder is set", key)
	}
	path := filepath.Join(l.opts.CacheDir, filepath.FromSlash(key))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	data, err := l.opts.Blobs.Get(ctx, key)
	if err != nil {
		return "", fmt.Errorf("fetch partition %s: %w", key, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("cache partition %s: %w", key, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return "", fmt.Errorf("cache partition %s: %w", key, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("cache partition %s: %w", key, err)
	}
	return path, nil
}
