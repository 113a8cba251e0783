package maintenance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/blobstore/s3test"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/catalog/postgres"
	"github.com/micromegas-go/micromegas/internal/catalog/postgres/pgtest"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/lakehouse"
	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

// newNodeEnvs returns n envs that share one PostgreSQL database and one
// S3 bucket (SeaweedFS), each with its own connections, engine and
// partition cache: the nodes of a cluster.
func newNodeEnvs(t *testing.T, n int) []*env {
	t.Helper()
	ctx := context.Background()
	db, uri := pgtest.NewDatabase(t), s3test.Start(t)
	var out []*env
	for i := range n {
		store, err := postgres.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		blobs, err := blobstore.Open(ctx, uri)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { blobs.Close() })
		cache := filepath.Join(t.TempDir(), fmt.Sprintf("node%d", i))
		if err := os.MkdirAll(cache, 0o755); err != nil {
			t.Fatal(err)
		}
		eng, err := engine.Open(ctx, engine.Options{AllowedDirectories: []string{cache}, Threads: 1, MemoryLimit: "512MB"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { eng.Close() })
		lake, err := lakehouse.New(lakehouse.Options{Catalog: store, Blobs: blobs, Engine: eng, CacheDir: cache})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &env{lake: lake, store: store, blobs: blobs,
			w: &lakehousetest.Writer{Catalog: lakehousetest.NewStore(store), Blobs: blobs}})
	}
	return out
}

// TestDaemonNodesNeverDoubleCount runs a daemon on each of two nodes
// sharing PostgreSQL and S3 while blocks arrive, and beside them, over
// and over, what a daemon catching up after an outage does (the last
// minute and a half materialized in the largest slices that fit, while
// the daemons write seconds): queries on both nodes count every
// acknowledged entry exactly once, in log_entries and in log_stats, and at
// the end the global partitions do not overlap.
func TestDaemonNodesNeverDoubleCount(t *testing.T) {
	envs := newNodeEnvs(t, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var daemons sync.WaitGroup
	for _, e := range envs {
		d, err := New(Options{Lake: e.lake, Catalog: e.store, Blobs: e.blobs})
		if err != nil {
			t.Fatal(err)
		}
		daemons.Go(func() { d.Run(ctx) })
	}
	compacting := make(chan struct{})
	go func() { // the second node also catches up as after an outage
		defer close(compacting)
		for ctx.Err() == nil {
			// Up to T−1s like the daemon, from the start of the previous
			// minute: whole minutes where they fit, then seconds.
			to := time.Now().UTC().Truncate(time.Second).Add(-time.Second)
			from := to.Truncate(time.Minute).Add(-time.Minute)
			for _, v := range []string{lakehouse.LogEntriesView, lakehouse.LogStatsView} {
				if _, err := envs[1].lake.MaterializeSpan(ctx, v, from, to); err != nil && ctx.Err() == nil {
					t.Errorf("catch up %s: %v", v, err)
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()

	e := envs[0]
	start := time.Now()
	p, err := e.w.NewProcess(ctx, "app", start, 0, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.w.NewStream(ctx, p, lakehousetest.KindLog, nil)
	if err != nil {
		t.Fatal(err)
	}
	var acked atomic.Int64
	const perBlock = 10
	writing := make(chan error, 1)
	go func() {
		defer close(writing)
		for i := 0; time.Since(start) < 5*time.Second; i++ {
			b := lakehousetest.NewBlock()
			ms := time.Since(start).Milliseconds()
			for j := range perBlock {
				b.LogString(site, ms, fmt.Sprintf("%d/%d", i, j))
			}
			if _, err := e.w.WriteBlock(context.Background(), s, b, ms, ms+1, time.Time{}); err != nil {
				writing <- err
				return
			}
			acked.Add(perBlock)
			time.Sleep(30 * time.Millisecond)
		}
	}()
	check := func(e *env, q int) {
		for _, sql := range []string{`SELECT count(*) FROM log_entries`, `SELECT coalesce(sum(count), 0) FROM log_stats`} {
			before := acked.Load()
			n := e.count(t, sql)
			after := acked.Load()
			if n < before || n > after {
				t.Fatalf("query %d on a node: %s = %d; %d entries were acknowledged before it and %d after", q, sql, n, before, after)
			}
		}
		if d := e.count(t, `SELECT count(*) - count(DISTINCT msg) FROM log_entries`); d != 0 {
			t.Fatalf("query %d on a node saw %d duplicated entries", q, d)
		}
	}
	for q := 0; ; q++ {
		check(envs[q%2], q)
		select {
		case err := <-writing:
			if err != nil {
				t.Fatal(err)
			}
			goto done
		default:
		}
	}
done:
	total := acked.Load()
	deadline := time.Now().Add(15 * time.Second)
	for envs[1].count(t, `SELECT count(*) FROM log_entries`) != total || materializedRows(t, envs[1]) != total {
		if time.Now().After(deadline) {
			t.Fatalf("after 15 s: %d entries in log_entries, %d in partitions; want %d",
				envs[1].count(t, `SELECT count(*) FROM log_entries`), materializedRows(t, envs[1]), total)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for i, e := range envs {
		if n := e.count(t, `SELECT coalesce(sum(count), 0) FROM log_stats`); n != total {
			t.Errorf("node %d: log_stats counts %d entries, want %d", i, n, total)
		}
	}
	cancel()
	<-compacting
	daemons.Wait()
	for _, view := range []string{lakehouse.LogEntriesView, lakehouse.LogStatsView} {
		parts, err := envs[0].store.ListPartitions(context.Background(), catalog.PartitionFilter{ViewSetName: view, ViewInstanceID: lakehouse.GlobalInstance})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(parts); i++ {
			if parts[i].NumRows > 0 && parts[i-1].NumRows > 0 && parts[i].BeginInsertTime.Before(parts[i-1].EndInsertTime) {
				t.Errorf("%s: partitions [%v, %v) and [%v, %v) overlap", view, parts[i-1].BeginInsertTime, parts[i-1].EndInsertTime,
					parts[i].BeginInsertTime, parts[i].EndInsertTime)
			}
		}
	}
}

// materializedRows is the number of rows in the global log_entries
// partitions.
func materializedRows(t *testing.T, e *env) int64 {
	t.Helper()
	parts, err := e.store.ListPartitions(context.Background(), catalog.PartitionFilter{ViewSetName: lakehouse.LogEntriesView, ViewInstanceID: lakehouse.GlobalInstance})
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	for _, p := range parts {
		rows += p.NumRows
	}
	return rows
}
