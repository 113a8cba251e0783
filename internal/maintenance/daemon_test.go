package maintenance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/catalog/sqlite"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/lakehouse"
	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

type env struct {
	lake  *lakehouse.Lakehouse
	store *lakehousetest.DeletingStore
	blobs *blobstore.Store
	w     *lakehousetest.Writer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "catalog.db")
	cat, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	store, err := lakehousetest.NewDeletingStore(cat, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	objects, cache := filepath.Join(dir, "objects"), filepath.Join(dir, "cache")
	for _, d := range []string{objects, cache} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	blobs, err := blobstore.Open(ctx, "file://"+filepath.ToSlash(objects))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	eng, err := engine.Open(ctx, engine.Options{AllowedDirectories: []string{objects, cache}, Threads: 2, MemoryLimit: "1GB"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	lake, err := lakehouse.New(lakehouse.Options{Catalog: store, Blobs: blobs, Engine: eng, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	return &env{lake: lake, store: store, blobs: blobs, w: &lakehousetest.Writer{Catalog: store.Store, Blobs: blobs}}
}

func (e *env) count(t *testing.T, sql string) int64 {
	t.Helper()
	rdr, err := e.lake.Query(context.Background(), sql, lakehouse.QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if !rdr.Next() {
		t.Fatalf("%s: no row (%v)", sql, rdr.Err())
	}
	n, err := strconv.ParseInt(rdr.RecordBatch().Column(0).ValueStr(0), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var site = &lakehousetest.LogSite{Fmt: "{}", Target: "t", Module: "m", File: "f.rs", Line: 1, Level: 4}

// TestDaemonsAndQueries runs two daemons beside a writer and a reader:
// every query sees each acknowledged entry exactly once, and the daemons
// end with the data materialized.
func TestDaemonsAndQueries(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		d, err := New(Options{Lake: e.lake, Catalog: e.store, Blobs: e.blobs})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.Run(ctx)
		}()
	}
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
	writeErr := make(chan error, 1)
	go func() {
		defer close(writeErr)
		for i := 0; time.Since(start) < 3*time.Second; i++ {
			b := lakehousetest.NewBlock()
			base := time.Since(start).Milliseconds()
			for j := 0; j < perBlock; j++ {
				b.LogString(site, base, fmt.Sprintf("%d/%d", i, j))
			}
			if _, err := e.w.WriteBlock(context.Background(), s, b, base, base+1, time.Time{}); err != nil {
				writeErr <- err
				return
			}
			acked.Add(perBlock)
			time.Sleep(50 * time.Millisecond)
		}
	}()
	for queries := 0; ; queries++ {
		before := acked.Load()
		n := e.count(t, `SELECT count(*) FROM log_entries`)
		after := acked.Load()
		if n < before || n > after {
			t.Fatalf("query %d saw %d entries; %d were acknowledged before it and %d after", queries, n, before, after)
		}
		if d := e.count(t, `SELECT count(*) - count(DISTINCT msg) FROM log_entries`); d != 0 {
			t.Fatalf("query %d saw %d duplicated entries", queries, d)
		}
		select {
		case err := <-writeErr:
			if err != nil {
				t.Fatal(err)
			}
			goto done
		default:
		}
	}
done:
	total := acked.Load()
	// Within about two seconds the daemons materialize everything.
	deadline := time.Now().Add(10 * time.Second)
	for {
		parts, err := e.store.ListPartitions(context.Background(), catalog.PartitionFilter{ViewSetName: "log_entries", ViewInstanceID: "global"})
		if err != nil {
			t.Fatal(err)
		}
		var rows int64
		for _, p := range parts {
			rows += p.NumRows
		}
		if rows == total {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("partitions hold %d rows after 10 s, want %d", rows, total)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := e.count(t, `SELECT count(*) FROM log_entries`); n != total {
		t.Fatalf("final count %d, want %d", n, total)
	}
	cancel()
	wg.Wait()
}

// TestRetention deletes exactly what is older than the retention period.
func TestRetention(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	now := time.Now().UTC()
	old, recent := now.Add(-100*24*time.Hour), now.Add(-time.Hour)
	oldProc, err := e.w.NewProcess(ctx, "old", old, 0, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	newProc, err := e.w.NewProcess(ctx, "new", recent, 0, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.store.SetInsertTime(oldProc.ProcessID, old)
	write := func(p *lakehousetest.Process, at time.Time) catalog.Block {
		s, err := e.w.NewStream(ctx, p, lakehousetest.KindLog, nil)
		if err != nil {
			t.Fatal(err)
		}
		e.store.SetInsertTime(s.StreamID, at)
		b := lakehousetest.NewBlock()
		b.LogString(site, 1, "x")
		blk, err := e.w.WriteBlock(ctx, s, b, 0, 2, at)
		if err != nil {
			t.Fatal(err)
		}
		return blk
	}
	oldBlock, newBlock := write(oldProc, old), write(newProc, recent)
	// Partitions: one per block's hour.
	for _, at := range []time.Time{old, recent} {
		h := at.Truncate(time.Hour)
		if _, err := e.lake.MaterializeRange(ctx, "log_entries", h, h.Add(time.Hour), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	oldPart := partitionsOf(t, e)[0]

	d, err := New(Options{Lake: e.lake, Catalog: e.store, Blobs: e.blobs, Retention: 90 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.Retain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Blocks != 1 || r.Streams != 1 || r.Processes != 1 || r.Partitions != 1 || r.TemporaryFiles != 0 {
		t.Fatalf("report %+v: want 1 block, stream, process and partition", r)
	}
	if _, err := e.blobs.Get(ctx, blobstore.BlockKey(oldBlock.ProcessID, oldBlock.StreamID, oldBlock.BlockID)); !errors.Is(err, blobstore.ErrNotFound) {
		t.Fatalf("old block object: %v, want not found", err)
	}
	if _, err := e.blobs.Get(ctx, blobstore.BlockKey(newBlock.ProcessID, newBlock.StreamID, newBlock.BlockID)); err != nil {
		t.Fatalf("recent block object: %v", err)
	}
	if _, err := e.store.GetProcess(ctx, oldProc.ProcessID); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("old process: %v, want not found", err)
	}
	if _, err := e.store.GetProcess(ctx, newProc.ProcessID); err != nil {
		t.Fatalf("recent process: %v", err)
	}
	if n := e.count(t, `SELECT count(*) FROM log_entries`); n != 1 {
		t.Fatalf("%d entries left, want 1", n)
	}
	// The old partition file stays for queries in flight, then goes.
	if _, err := e.blobs.Get(ctx, oldPart.FilePath); err != nil {
		t.Fatalf("retired file deleted too early: %v", err)
	}
	d.opts.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if r, err = d.Retain(ctx); err != nil || r.TemporaryFiles != 1 || r.Partitions != 0 {
		t.Fatalf("second pass %+v, %v: want 1 temporary file and no partition", r, err)
	}
	if _, err := e.blobs.Get(ctx, oldPart.FilePath); !errors.Is(err, blobstore.ErrNotFound) {
		t.Fatalf("expired file: %v, want not found", err)
	}
}

func partitionsOf(t *testing.T, e *env) []catalog.Partition {
	t.Helper()
	parts, err := e.store.ListPartitions(context.Background(), catalog.PartitionFilter{ViewSetName: "log_entries", ViewInstanceID: "global"})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 {
		t.Fatalf("%d partitions, want 2", len(parts))
	}
	return parts
}
