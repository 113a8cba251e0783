package maintenance

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

var site = &lakehousetest.LogSite{Fmt: "{}", Target: "t", Module: "m", File: "f.rs", Line: 1, Level: 4}

// TestDaemonsAndQueries runs two daemons beside a writer and a reader:
// every query sees each acknowledged entry exactly once, and the daemons
// end with the data materialized.
func TestDaemonsAndQueries(t *testing.T) {
	e := newEnv(t, sqliteFile)
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
		before = acked.Load()
		n = e.count(t, `SELECT coalesce(sum(count), 0) FROM log_stats`)
		after = acked.Load()
		if n < before || n > after {
			t.Fatalf("query %d: log_stats counted %d entries; %d were acknowledged before it and %d after", queries, n, before, after)
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
	// log_stats too: its partitions count every block once.
	for {
		parts, err := e.store.ListPartitions(context.Background(), catalog.PartitionFilter{ViewSetName: "log_stats", ViewInstanceID: "global"})
		if err != nil {
			t.Fatal(err)
		}
		var sources int64
		for _, p := range parts {
			sources += int64(binary.LittleEndian.Uint64(p.SourceDataHash))
		}
		if sources == total/perBlock {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log_stats partitions count %d blocks after 10 s, want %d", sources, total/perBlock)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := e.count(t, `SELECT sum(count) FROM log_stats`); n != total {
		t.Fatalf("final log_stats count %d, want %d", n, total)
	}
	cancel()
	wg.Wait()
}
