package lakehousetest

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// Store wraps a catalog so that tests choose the insert time of blocks
// (real stores always record the time of the insert): a block whose id
// was given a time by SetInsertTime reports and is filtered by that time.
type Store struct {
	catalog.Store
	mu    sync.Mutex
	times map[string]time.Time
}

// NewStore wraps s.
func NewStore(s catalog.Store) *Store { return &Store{Store: s, times: map[string]time.Time{}} }

// SetInsertTime overrides the insert time of a block.
func (s *Store) SetInsertTime(blockID string, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.times[blockID] = t.UTC()
}

func (s *Store) insertTime(blockID string, def time.Time) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.times[blockID]; ok {
		return t
	}
	return def
}

// ListBlocks applies the overridden insert times.
func (s *Store) ListBlocks(ctx context.Context, f catalog.BlockFilter) ([]catalog.Block, error) {
	s.mu.Lock()
	n := len(s.times)
	s.mu.Unlock()
	if n == 0 {
		return s.Store.ListBlocks(ctx, f)
	}
	inner := f
	inner.InsertedFrom, inner.InsertedTo, inner.Limit = time.Time{}, time.Time{}, 0
	blocks, err := s.Store.ListBlocks(ctx, inner)
	if err != nil {
		return nil, err
	}
	out := blocks[:0]
	for _, b := range blocks {
		b.InsertTime = s.insertTime(b.BlockID, b.InsertTime)
		if !f.InsertedFrom.IsZero() && b.InsertTime.Before(f.InsertedFrom) {
			continue
		}
		if !f.InsertedTo.IsZero() && !b.InsertTime.Before(f.InsertedTo) {
			continue
		}
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b catalog.Block) int {
		if c := a.InsertTime.Compare(b.InsertTime); c != 0 {
			return c
		}
		return cmp.Compare(a.BlockID, b.BlockID)
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}
