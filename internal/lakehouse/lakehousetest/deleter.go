package lakehousetest

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	_ "modernc.org/sqlite" // the driver of the SQLite catalog

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// DeletingStore is a Store over a SQLite catalog file that can also
// delete data-lake rows (maintenance.DataLakeDeleter), which the catalog
// packages do not offer yet. Insert-time overrides apply to streams and
// processes too.
type DeletingStore struct {
	*Store
	db *sql.DB
}

// NewDeletingStore wraps s, a SQLite catalog stored at path.
func NewDeletingStore(s catalog.Store, path string) (*DeletingStore, error) {
	db, err := sql.Open("sqlite", path+"?_busy_timeout=10000")
	if err != nil {
		return nil, err
	}
	return &DeletingStore{Store: NewStore(s), db: db}, nil
}

// Close closes both connections.
func (s *DeletingStore) Close() error {
	s.db.Close()
	return s.Store.Close()
}

// DeleteBlocks deletes block rows.
func (s *DeletingStore) DeleteBlocks(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM blocks WHERE block_id = ?`, id); err != nil {
			return fmt.Errorf("delete block %s: %w", id, err)
		}
	}
	return nil
}

// DeleteEmptyStreams deletes the streams inserted before t without blocks.
func (s *DeletingStore) DeleteEmptyStreams(ctx context.Context, before time.Time) (int64, error) {
	procs, err := s.ListProcesses(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, p := range procs {
		streams, err := s.ListStreams(ctx, p.ProcessID)
		if err != nil {
			return n, err
		}
		for _, st := range streams {
			if !s.insertTime(st.StreamID, st.InsertTime).Before(before) {
				continue
			}
			blocks, err := s.Store.Store.ListBlocks(ctx, catalog.BlockFilter{StreamID: st.StreamID, Limit: 1})
			if err != nil {
				return n, err
			}
			if len(blocks) > 0 {
				continue
			}
			if _, err := s.db.ExecContext(ctx, `DELETE FROM streams WHERE stream_id = ?`, st.StreamID); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// DeleteEmptyProcesses deletes the processes inserted before t without
// streams.
func (s *DeletingStore) DeleteEmptyProcesses(ctx context.Context, before time.Time) (int64, error) {
	procs, err := s.ListProcesses(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, p := range procs {
		if !s.insertTime(p.ProcessID, p.InsertTime).Before(before) {
			continue
		}
		streams, err := s.ListStreams(ctx, p.ProcessID)
		if err != nil {
			return n, err
		}
		if len(streams) > 0 {
			continue
		}
		if _, err := s.db.ExecContext(ctx, `DELETE FROM processes WHERE process_id = ?`, p.ProcessID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
