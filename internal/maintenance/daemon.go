package maintenance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/lakehouse"
)

// DefaultRetention is how long raw data and partitions are kept.
const DefaultRetention = 90 * 24 * time.Hour

// Options configures a Daemon.
type Options struct {
	Lake    *lakehouse.Lakehouse
	Catalog catalog.Store
	Blobs   *blobstore.Store
	// Retention is the age past which data is deleted (default 90 days).
	Retention time.Duration
	// RetiredFileExpiration is how long the file of a partition deleted
	// by retention stays readable for queries in flight (default 1 h, as
	// the lakehouse's).
	RetiredFileExpiration time.Duration
	Logger                *slog.Logger
	// Now returns the current time (default time.Now); tests set it.
	Now func() time.Time
}

// Daemon runs the maintenance tasks.
type Daemon struct {
	opts Options
	log  *slog.Logger

	mu         sync.Mutex
	lastSecond map[string]time.Time // per view: where the second task resumes
}

// New checks opts and returns a Daemon.
func New(opts Options) (*Daemon, error) {
	if opts.Lake == nil || opts.Catalog == nil || opts.Blobs == nil {
		return nil, errors.New("maintenance: lakehouse, catalog and object store are required")
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.RetiredFileExpiration <= 0 {
		opts.RetiredFileExpiration = time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Daemon{opts: opts, log: opts.Logger, lastSecond: map[string]time.Time{}}, nil
}

// task is one periodic task of the schedule.
type task struct {
	name           string
	period, offset time.Duration
	maxDelay       time.Duration // 0: never skipped
	run            func(ctx context.Context, t time.Time) error
}

func (d *Daemon) tasks() []task {
	return []task{
		{"every second", time.Second, 500 * time.Millisecond, 10 * time.Second, d.EverySecond},
		{"every minute", time.Minute, 30 * time.Second, 0, d.EveryMinute},
		{"every hour", time.Hour, 10 * time.Minute, 0, d.EveryHour},
		{"every day", 24 * time.Hour, 4 * time.Hour, 0, d.EveryDay},
	}
}

// Run runs the schedule until ctx is done, then waits for the running
// tasks and returns nil.
func (d *Daemon) Run(ctx context.Context) error {
	d.run(ctx, d.tasks())
	return nil
}

// run runs the loops of tasks until ctx is done and they have returned.
func (d *Daemon) run(ctx context.Context, tasks []task) {
	var wg sync.WaitGroup
	for _, t := range tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.loop(ctx, t)
		}()
	}
	wg.Wait()
}

// loop runs one task at trunc(now, period) + period + offset, then every
// period (a run that overlaps the next slot makes it skip, not pile up).
func (d *Daemon) loop(ctx context.Context, t task) {
	next := d.opts.Now().Truncate(t.period).Add(t.period + t.offset)
	for {
		wait := next.Sub(d.opts.Now())
		timer := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		slot := next.Add(-t.offset) // the truncated task time T
		if delay := d.opts.Now().Sub(next); t.maxDelay > 0 && delay > t.maxDelay {
			d.log.Warn("maintenance task skipped: too late", "task", t.name, "delay", delay)
		} else if err := t.run(ctx, slot); err != nil && ctx.Err() == nil {
			d.log.Error("maintenance task failed", "task", t.name, "err", err)
		}
		for !next.After(d.opts.Now()) {
			next = next.Add(t.period)
		}
	}
}

// EverySecond materializes the blocks inserted up to T−1s in one-second
// slices, resuming where the previous run (or, at start, the existing
// partitions) ended.
func (d *Daemon) EverySecond(ctx context.Context, t time.Time) error {
	to := t.Add(-time.Second)
	var errs []error
	for _, v := range lakehouse.MaterializedViews() {
		d.mu.Lock()
		from, ok := d.lastSecond[v.Name]
		d.mu.Unlock()
		if !ok {
			var err error
			if from, err = d.opts.Lake.MaterializedEnd(ctx, v.Name); err != nil {
				errs = append(errs, err)
				continue
			}
			if from.IsZero() {
				from = to.Add(-time.Second)
			}
		}
		if !from.Before(to) {
			continue
		}
		if _, err := d.opts.Lake.MaterializeSpan(ctx, v.Name, from, to); err != nil {
			errs = append(errs, err)
			continue
		}
		d.mu.Lock()
		d.lastSecond[v.Name] = to
		d.mu.Unlock()
	}
	return errors.Join(errs...)
}

// EveryMinute checks and compacts [T−2m, T−1m) into minute partitions.
func (d *Daemon) EveryMinute(ctx context.Context, t time.Time) error {
	return d.materializeAll(ctx, t.Add(-2*time.Minute), t.Add(-time.Minute), time.Minute, 0)
}

// EveryHour applies retention, then checks and compacts [T−2h, T) into
// hour partitions.
func (d *Daemon) EveryHour(ctx context.Context, t time.Time) error {
	_, rerr := d.Retain(ctx)
	return errors.Join(rerr, d.materializeAll(ctx, t.Add(-2*time.Hour), t, time.Hour, 0))
}

// EveryDay compacts [T−2d, T) into day partitions for the views whose
// largest partition is a day.
func (d *Daemon) EveryDay(ctx context.Context, t time.Time) error {
	return d.materializeAll(ctx, t.Add(-48*time.Hour), t, 24*time.Hour, 24*time.Hour)
}

// materializeAll runs MaterializeRange on every materialized view whose
// largest partition is at least minDelta.
func (d *Daemon) materializeAll(ctx context.Context, begin, end time.Time, delta, minDelta time.Duration) error {
	var errs []error
	for _, v := range lakehouse.MaterializedViews() {
		if v.MaxPartitionDelta < minDelta {
			continue
		}
		if _, err := d.opts.Lake.MaterializeRange(ctx, v.Name, begin, end, delta); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", v.Name, err))
		}
	}
	return errors.Join(errs...)
}
