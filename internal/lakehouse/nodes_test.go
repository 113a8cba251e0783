package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

// node is one analytics node of a cluster: its own catalog connections,
// object store client, engine and partition cache over the shared
// PostgreSQL database and S3 bucket.
type node struct {
	*Lakehouse
	catalog catalog.Store
	blobs   *blobstore.Store
	cache   string
}

// newCluster starts n nodes on one fresh PostgreSQL database and one
// SeaweedFS bucket, with opts (catalog, store, engine and cache set here).
func newCluster(t *testing.T, n int, opts Options) []*node {
	t.Helper()
	nodes, _ := newClusterS3(t, n, opts)
	return nodes
}

// newClusterS3 is newCluster that also returns the S3 server.
func newClusterS3(t *testing.T, n int, opts Options) ([]*node, *s3test.Server) {
	t.Helper()
	ctx := context.Background()
	srv := s3test.StartServer(t)
	db, uri := pgtest.NewDatabase(t), srv.URI(s3test.Bucket)
	var nodes []*node
	for i := range n {
		cat, err := postgres.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cat.Close() })
		blobs, err := blobstore.Open(ctx, uri)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { blobs.Close() })
		cache := filepath.Join(t.TempDir(), fmt.Sprintf("node%d-cache", i))
		if err := os.MkdirAll(cache, 0o755); err != nil {
			t.Fatal(err)
		}
		eng, err := engine.Open(ctx, engine.Options{AllowedDirectories: []string{cache}, Threads: 1, MemoryLimit: "512MB"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { eng.Close() })
		o := opts
		o.Catalog, o.Blobs, o.Engine, o.CacheDir = cat, blobs, eng, cache
		lake, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, &node{Lakehouse: lake, catalog: cat, blobs: blobs, cache: cache})
	}
	return nodes, srv
}

// ints runs sql on the node and returns its single row as integers.
func (n *node) ints(t *testing.T, sql string) []int64 {
	t.Helper()
	rdr, err := n.Query(context.Background(), sql, QueryOptions{})
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	rows, err := readRows(rdr)
	rdr.Release()
	if err != nil || len(rows) != 1 {
		t.Fatalf("%s: %v rows, %v", sql, rows, err)
	}
	var out []int64
	for _, cell := range strings.Split(rows[0], " | ") {
		v, err := strconv.ParseInt(cell, 10, 64)
		if err != nil {
			t.Fatalf("%s: cell %q: %v", sql, cell, err)
		}
		out = append(out, v)
	}
	return out
}

// checkPartitionsSound checks the partitions of one view instance: those
// with rows never overlap, their files exist, and together they were made
// from wantSources blocks (-1: not checked).
func checkPartitionsSound(t *testing.T, n *node, view, instance string, wantSources int64) {
	t.Helper()
	v, _ := lookupView(view)
	parts, err := n.listInstance(context.Background(), v, instance)
	if err != nil {
		t.Fatal(err)
	}
	var sources int64
	var last catalog.Partition
	for _, p := range parts {
		sources += sourceCount(p)
		if p.NumRows == 0 {
			continue
		}
		if last.NumRows > 0 && p.BeginInsertTime.Before(last.EndInsertTime) {
			t.Errorf("%s/%s: partitions [%v, %v) and [%v, %v) overlap", view, instance,
				last.BeginInsertTime, last.EndInsertTime, p.BeginInsertTime, p.EndInsertTime)
		}
		if size, err := n.blobs.Size(context.Background(), p.FilePath); err != nil || size != p.FileSize {
			t.Errorf("%s/%s: partition file %s: size %d, %v; want %d bytes", view, instance, p.FilePath, size, err, p.FileSize)
		}
		last = p
	}
	if wantSources >= 0 && sources != wantSources {
		t.Errorf("%s/%s: partitions made from %d blocks, want %d", view, instance, sources, wantSources)
	}
}

// TestNodesUpdateOneInstanceAtOnce has two analytics nodes answer the
// same view_instance over and over while blocks keep arriving, so that
// their just-in-time updates of one instance race with different views
// of the blocks: every answer counts each acknowledged entry once, and
// the partitions left in the catalog do not overlap.
func TestNodesUpdateOneInstanceAtOnce(t *testing.T) {
	nodes := newCluster(t, 2, Options{MaxBlocksPerPartition: 4, JITWindow: 2 * time.Second})
	ctx := context.Background()
	w := &lakehousetest.Writer{Catalog: lakehousetest.NewStore(nodes[0].catalog), Blobs: nodes[0].blobs}
	start := time.Now()
	p, err := w.NewProcess(ctx, "app", start, 0, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := w.NewStream(ctx, p, lakehousetest.KindLog, nil)
	if err != nil {
		t.Fatal(err)
	}
	const perBlock = 5
	var acked, blocks atomic.Int64
	writing := make(chan struct{})
	var writeErr error
	go func() {
		defer close(writing)
		for i := 0; time.Since(start) < 4*time.Second; i++ {
			b := lakehousetest.NewBlock()
			ms := time.Since(start).Milliseconds()
			for j := range perBlock {
				b.LogString(logSite(), ms, fmt.Sprintf("%d/%d", i, j))
			}
			if _, writeErr = w.WriteBlock(ctx, s, b, ms, ms+1, time.Time{}); writeErr != nil {
				return
			}
			acked.Add(perBlock)
			blocks.Add(1)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	sql := `SELECT count(*), count(*) - count(DISTINCT msg) FROM view_instance('log_entries', '` + p.ProcessID + `')`
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(func() {
			for {
				before := acked.Load()
				got := n.ints(t, sql)
				after := acked.Load()
				if got[1] != 0 || got[0] < before || got[0] > after {
					t.Errorf("view_instance counted %d entries with %d duplicates; %d were acknowledged before and %d after", got[0], got[1], before, after)
					return
				}
				select {
				case <-writing:
					return
				default:
				}
			}
		})
	}
	wg.Wait()
	if writeErr != nil {
		t.Fatal(writeErr)
	}
	for _, n := range nodes {
		if got := n.ints(t, sql); got[0] != acked.Load() || got[1] != 0 {
			t.Errorf("final count %v, want %d entries, no duplicate", got, acked.Load())
		}
	}
	checkPartitionsSound(t, nodes[0], LogEntriesView, p.ProcessID, blocks.Load())
}

func logSite() *lakehousetest.LogSite {
	return &lakehousetest.LogSite{Fmt: "{}", Target: "t", Module: "m", File: "f.rs", Line: 1, Level: 4}
}

// TestCacheDropsRetiredPartitions: a node caches the partitions it reads
// from S3; another node retires them and writes new ones; the first
// node's sweep drops the copies of the retired files, and its next
// answer, from the new ones, is the same.
func TestCacheDropsRetiredPartitions(t *testing.T) {
	nodes := newCluster(t, 2, Options{})
	reader, daemon := nodes[0], nodes[1]
	ctx := context.Background()
	w := &lakehousetest.Writer{Catalog: lakehousetest.NewStore(daemon.catalog), Blobs: daemon.blobs}
	minute := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	p, err := w.NewProcess(ctx, "app", minute, 0, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := w.NewStream(ctx, p, lakehousetest.KindLog, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		time.Sleep(1100 * time.Millisecond) // one partition per second
		b := lakehousetest.NewBlock()
		for j := range 4 {
			b.LogString(logSite(), int64(i*1000), fmt.Sprintf("%d/%d", i, j))
		}
		if _, err := w.WriteBlock(ctx, s, b, int64(i*1000), int64(i*1000+1), minute.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	// The catalog stamps insert times; materialize the seconds that hold
	// the three blocks.
	blks, err := daemon.catalog.ListBlocks(ctx, catalog.BlockFilter{StreamID: s.StreamID})
	if err != nil {
		t.Fatal(err)
	}
	first, last := blks[0].InsertTime.Truncate(time.Second), blks[len(blks)-1].InsertTime.Truncate(time.Second).Add(time.Second)
	if _, err := daemon.MaterializeRange(ctx, LogEntriesView, first, last, time.Second); err != nil {
		t.Fatal(err)
	}
	const sql = `SELECT count(*) FROM log_entries`
	if got := reader.ints(t, sql)[0]; got != 12 {
		t.Fatalf("count = %d, want 12", got)
	}
	cached := cachedFiles(t, reader.cache)
	if len(cached) == 0 {
		t.Fatal("the reader cached no partition file")
	}
	if n, err := reader.SweepCache(ctx); err != nil || n != 0 {
		t.Fatalf("sweep with every partition live dropped %d files (%v), want 0", n, err)
	}
	// The other node retires them (as compaction, retention or
	// retire_partitions do) and rebuilds the range as new files.
	if n, err := daemon.RetirePartitions(ctx, LogEntriesView, GlobalInstance, first, last); err != nil || n == 0 {
		t.Fatalf("retire: %d partitions, %v", n, err)
	}
	if _, err := daemon.MaterializeRange(ctx, LogEntriesView, first, last, time.Second); err != nil {
		t.Fatal(err)
	}
	n, err := reader.SweepCache(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(cached) {
		t.Errorf("sweep dropped %d files, want the %d retired ones", n, len(cached))
	}
	for _, f := range cached {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("retired partition file still cached: %s", f)
		}
	}
	if got := reader.ints(t, sql)[0]; got != 12 {
		t.Errorf("count after the sweep = %d, want 12", got)
	}
}

// cachedFiles lists the partition files in a node's cache.
func cachedFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(dir, "views"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, path)
		}
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

// TestStaleMaterializationIsSuperseded replays the race of two daemons:
// one lists the partitions, the other then covers the minute with one
// partition, and the first commits a second inside that minute from its
// stale list. The catalog refuses it, so the minute's rows are counted
// once.
func TestStaleMaterializationIsSuperseded(t *testing.T) {
	nodes := newCluster(t, 2, Options{})
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	for time.Now().Second() > 50 { // the blocks must share a minute
		time.Sleep(time.Second)
	}
	w := &lakehousetest.Writer{Catalog: lakehousetest.NewStore(a.catalog), Blobs: a.blobs}
	p, err := w.NewProcess(ctx, "app", time.Now(), 0, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := w.NewStream(ctx, p, lakehousetest.KindLog, nil)
	if err != nil {
		t.Fatal(err)
	}
	write := func(i int) catalog.Block {
		blk := lakehousetest.NewBlock()
		for j := range 5 {
			blk.LogString(logSite(), int64(i), fmt.Sprintf("%d/%d", i, j))
		}
		cb, err := w.WriteBlock(ctx, s, blk, int64(i), int64(i+1), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return cb
	}
	first := write(0)
	time.Sleep(1100 * time.Millisecond)
	second := write(1)
	v, _ := lookupView(LogEntriesView)
	stale, err := a.listInstance(ctx, v, GlobalInstance) // node a lists: nothing yet
	if err != nil {
		t.Fatal(err)
	}
	minute := first.InsertTime.Truncate(time.Minute)
	if n, err := b.MaterializeRange(ctx, LogEntriesView, minute, minute.Add(time.Minute), time.Minute); err != nil || n != 1 {
		t.Fatalf("node b materialized the minute: %d partitions, %v", n, err)
	}
	sec := second.InsertTime.Truncate(time.Second)
	_, err = a.materializeSlice(ctx, v, stale, sec, sec.Add(time.Second))
	if !errors.Is(err, catalog.ErrSuperseded) {
		t.Errorf("node a's stale second = %v, want ErrSuperseded", err)
	}
	if got := a.ints(t, `SELECT count(*) FROM log_entries`)[0]; got != 10 {
		t.Errorf("log_entries counts %d entries, want 10", got)
	}
	checkPartitionsSound(t, a, LogEntriesView, GlobalInstance, 2)
}

// TestObjectStoreOutageFailsMaterialization: while S3 is down, a
// materialization fails instead of writing a partition without the
// blocks it cannot read (which would hide acknowledged data for good);
// once S3 is back, it writes them all.
func TestObjectStoreOutageFailsMaterialization(t *testing.T) {
	nodes, srv := newClusterS3(t, 1, Options{})
	n := nodes[0]
	ctx := context.Background()
	w := &lakehousetest.Writer{Catalog: lakehousetest.NewStore(n.catalog), Blobs: n.blobs}
	p, err := w.NewProcess(ctx, "app", time.Now(), 0, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := w.NewStream(ctx, p, lakehousetest.KindLog, nil)
	if err != nil {
		t.Fatal(err)
	}
	blk := lakehousetest.NewBlock()
	for j := range 7 {
		blk.LogString(logSite(), 1, fmt.Sprintf("line %d", j))
	}
	b, err := w.WriteBlock(ctx, s, blk, 1, 2, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	sec := b.InsertTime.Truncate(time.Second)
	srv.Stop()
	_, err = n.MaterializeRange(ctx, LogEntriesView, sec, sec.Add(time.Second), time.Second)
	if !errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("materialize with S3 down = %v, want an error wrapping blobstore.ErrUnavailable", err)
	}
	v, _ := lookupView(LogEntriesView)
	if parts, err := n.listInstance(ctx, v, GlobalInstance); err != nil || len(parts) != 0 {
		t.Fatalf("partitions after the failed materialization: %v, %v; want none", parts, err)
	}
	restarted, err := srv.Restart()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(restarted.Stop)
	if _, err := n.MaterializeRange(ctx, LogEntriesView, sec, sec.Add(time.Second), time.Second); err != nil {
		t.Fatal(err)
	}
	if got := n.ints(t, `SELECT count(*) FROM log_entries`)[0]; got != 7 {
		t.Errorf("log_entries after S3 came back = %d rows, want 7", got)
	}
}

// TestStaleInstanceChunkIsSuperseded: two analytics nodes cut an
// instance's blocks differently (here, different partition limits; in
// production, blocks arriving between their lists). A chunk one node
// converted from a stale list cannot be committed inside the partition
// the other committed meanwhile, and that node's next answer is right.
func TestStaleInstanceChunkIsSuperseded(t *testing.T) {
	nodes := newCluster(t, 2, Options{MaxBlocksPerPartition: 2})
	a, b := nodes[0], nodes[1]
	b.opts.MaxBlocksPerPartition = 4
	ctx := context.Background()
	w := &lakehousetest.Writer{Catalog: lakehousetest.NewStore(a.catalog), Blobs: a.blobs}
	p, err := w.NewProcess(ctx, "app", time.Now(), 0, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := w.NewStream(ctx, p, lakehousetest.KindLog, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		blk := lakehousetest.NewBlock()
		for j := range 4 {
			blk.LogString(logSite(), int64(i), fmt.Sprintf("%d/%d", i, j))
		}
		if _, err := w.WriteBlock(ctx, s, blk, int64(i), int64(i+1), time.Time{}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // distinct insert times
	}
	blocks, err := a.catalog.ListBlocks(ctx, catalog.BlockFilter{ProcessID: p.ProcessID, Tag: lakehousetest.KindLog})
	if err != nil {
		t.Fatal(err)
	}
	chunks := a.jitChunks(blocks) // node a's cut: 2 blocks, then 1
	if len(chunks) != 2 {
		t.Fatalf("node a cuts %d chunks, want 2", len(chunks))
	}
	sql := `SELECT count(*), count(*) - count(DISTINCT msg) FROM view_instance('log_entries', '` + p.ProcessID + `')`
	if got := b.ints(t, sql); got[0] != 12 || got[1] != 0 { // node b commits one partition of 3 blocks
		t.Fatalf("node b counted %v, want 12 entries", got)
	}
	v, _ := lookupView(LogEntriesView)
	if _, err := a.buildPartition(ctx, v, p.ProcessID, chunks[0].begin, chunks[0].end, chunks[0].blocks); !errors.Is(err, catalog.ErrSuperseded) {
		t.Errorf("node a's stale chunk = %v, want ErrSuperseded", err)
	}
	if got := a.ints(t, sql); got[0] != 12 || got[1] != 0 {
		t.Errorf("node a counted %v, want 12 entries, no duplicate", got)
	}
	checkPartitionsSound(t, a, LogEntriesView, p.ProcessID, 3)
}
