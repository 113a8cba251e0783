package app

import (
	"context"
	"time"
)

// DefaultCacheSweepPeriod is how often a node drops the cached copies of
// partition files the catalog retired (Config.CacheSweepPeriod).
const DefaultCacheSweepPeriod = 30 * time.Second

// startCacheSweeper runs the lakehouse's SweepCache every period until
// Shutdown: other nodes retire partitions this node may have cached.
func (a *App) startCacheSweeper(period time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if _, err := a.lake.SweepCache(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("partition cache sweep failed", "err", err)
			}
		}
	}()
	a.stopSweeper = func() {
		cancel()
		<-done
	}
}
