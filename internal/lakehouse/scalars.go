package lakehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/engine"
)

// scalarTimeout bounds one call of a Go scalar function (DuckDB does not
// pass the query's context to them).
const scalarTimeout = time.Minute

// registerScalars makes the scalar functions that need the object store
// or the catalog callable from SQL (spec 6).
func (l *Lakehouse) registerScalars(ctx context.Context) error {
	fns := map[string]engine.ScalarFunction{
		// get_payload(process_id, stream_id, block_id): the stored object
		// of a block (its CBOR BlockPayload).
		"get_payload": {Args: []string{"VARCHAR", "VARCHAR", "VARCHAR"}, Result: "BLOB", Volatile: true,
			Fn: func(args []any) (any, error) {
				for _, a := range args {
					if a == nil {
						return nil, nil
					}
				}
				ctx, cancel := context.WithTimeout(context.Background(), scalarTimeout)
				defer cancel()
				data, err := l.opts.Blobs.Get(ctx, blobstore.BlockKey(args[0].(string), args[1].(string), args[2].(string)))
				if err != nil {
					return nil, fmt.Errorf("get_payload: %w", err)
				}
				return data, nil
			}},
		// retire_partition_by_file(file_path): retires the partition
		// stored in that file (admins only: Query refuses the call
		// otherwise).
		"retire_partition_by_file": {Args: []string{"VARCHAR"}, Result: "VARCHAR", Volatile: true,
			Fn: func(args []any) (any, error) {
				if args[0] == nil {
					return nil, nil
				}
				ctx, cancel := context.WithTimeout(context.Background(), scalarTimeout)
				defer cancel()
				return l.retirePartitionByFile(ctx, args[0].(string)), nil
			}},
	}
	for name, f := range fns {
		if err := l.opts.Engine.RegisterScalarFunction(ctx, name, f); err != nil {
			return err
		}
	}
	return nil
}

// retirePartitionByFile retires the partition stored in path and reports
// the outcome as the original does.
func (l *Lakehouse) retirePartitionByFile(ctx context.Context, path string) string {
	parts, err := l.opts.Catalog.ListPartitions(ctx, catalog.PartitionFilter{})
	if err != nil {
		return "ERROR: " + err.Error()
	}
	for _, p := range parts {
		if p.FilePath != path {
			continue
		}
		if _, err := l.RetirePartitions(ctx, p.ViewSetName, p.ViewInstanceID, p.BeginInsertTime, p.EndInsertTime); err != nil {
			return "ERROR: " + err.Error()
		}
		return "SUCCESS: Retired partition " + path
	}
	return "ERROR: Partition not found: " + path
}
