package maintenance

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunStopsRunningTask checks what a graceful shutdown of the daemon
// does to a task in the middle of its run: the task sees its context
// end, Run waits until it has returned (a task that needs a moment to
// finish its step gets it), no failure is logged for the cancellation,
// and no task starts afterwards.
func TestRunStopsRunningTask(t *testing.T) {
	cases := []struct {
		name string
		// work is the task's body once it has started; it returns when
		// the task is done.
		work func(ctx context.Context) error
	}{
		{"a task that watches its context", func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		}},
		{"a task that finishes its step first", func(ctx context.Context) error {
			<-ctx.Done()
			time.Sleep(300 * time.Millisecond) // the step in progress
			return nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			var mu sync.Mutex
			d := &Daemon{opts: Options{Now: time.Now}, log: slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil)),
				lastSecond: map[string]time.Time{}}
			started := make(chan struct{})
			var runs, finished atomic.Int64
			tk := task{name: "test task", period: 20 * time.Millisecond, run: func(ctx context.Context, _ time.Time) error {
				if runs.Add(1) == 1 {
					close(started)
				}
				err := c.work(ctx)
				finished.Add(1)
				return err
			}}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				d.run(ctx, []task{tk})
			}()
			select {
			case <-started:
			case <-time.After(10 * time.Second):
				t.Fatal("the task never started")
			}
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return after its context ended")
			}
			if finished.Load() != runs.Load() {
				t.Fatalf("Run returned while a task was running (%d runs, %d finished)", runs.Load(), finished.Load())
			}
			n := runs.Load()
			time.Sleep(100 * time.Millisecond) // five periods
			if runs.Load() != n {
				t.Errorf("a task ran after Run returned")
			}
			mu.Lock()
			defer mu.Unlock()
			if strings.Contains(logs.String(), "failed") {
				t.Errorf("the cancellation was logged as a failure:\n%s", logs.String())
			}
		})
	}
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
