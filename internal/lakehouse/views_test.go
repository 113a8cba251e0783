package lakehouse

import (
	"context"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"

	"github.com/micromegas-go/micromegas/internal/lakehouse/lakehousetest"
)

var (
	infoSite  = &lakehousetest.LogSite{Fmt: "static hello", Target: "app::main", Module: "app", File: "main.rs", Line: 1, Level: 4}
	warnSite  = &lakehousetest.LogSite{Fmt: "{}", Target: "app::net", Module: "app", File: "net.rs", Line: 2, Level: 3}
	cpuMetric = &lakehousetest.MetricSite{Name: "cpu", Unit: "percent", Target: "sys", File: "m.rs", Line: 3}
	tickTimer = &lakehousetest.MetricSite{Name: "frame", Unit: "ticks", Target: "render", File: "r.rs", Line: 4}
)

func TestLogEntries(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", t0, 5000, 1000, map[string]string{"env": "test"}))
	s := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, p, lakehousetest.KindLog, nil))
	b := lakehousetest.NewBlock()
	b.LogStatic(infoSite, 5010)
	b.LogString(warnSite, 5020, "dynamic")
	b.LogTagged(warnSite, map[string]string{"level": "error", "target": "over", "k": "v"}, 5030, "tagged")
	must[any](t)(func() (any, error) { return tl.w.WriteBlock(ctx, s, b, 5000, 5100, time.Time{}) }())

	const q = `SELECT time, target, level, msg, property_get(properties, 'k'), property_get(process_properties, 'env'), exe
		FROM %s ORDER BY time`
	want := []string{
		ts(10*time.Millisecond) + " | app::main | 4 | static hello | (null) | test | app.exe",
		ts(20*time.Millisecond) + " | app::net | 3 | dynamic | (null) | test | app.exe",
		ts(30*time.Millisecond) + " | over | 2 | tagged | v | test | app.exe",
	}
	wantRows(t, tl.rows(t, sprintf(q, "log_entries"), QueryOptions{}), want...)
	wantRows(t, tl.rows(t, sprintf(q, "view_instance('log_entries', '"+p.ProcessID+"')"), QueryOptions{}), want...)
	// The time range filters rows and still finds the block.
	wantRows(t, tl.rows(t, sprintf(q, "log_entries"), QueryOptions{Begin: t0.Add(15 * time.Millisecond), End: t0.Add(25 * time.Millisecond)}), want[1])
	// Properties are JSON object text with sorted keys (props.go).
	wantRows(t, tl.rows(t, `SELECT properties, typeof(properties) FROM log_entries ORDER BY time`, QueryOptions{}),
		"{} | VARCHAR", "{} | VARCHAR", `{"k":"v","level":"error","target":"over"} | VARCHAR`)
}

func TestMeasures(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", t0, 0, 1000, nil))
	s := must[*lakehousetest.Stream](t)(tl.w.NewStream(ctx, p, lakehousetest.KindMetrics, nil))
	b := lakehousetest.NewBlock()
	b.FloatMetric(cpuMetric, 1000, 12.5)
	b.IntMetric(tickTimer, 2000, 500) // 500 ticks at 1000 Hz = 0.5 s
	b.TaggedFloatMetric(cpuMetric, map[string]string{"name": "cpu_core0", "unit": "ratio"}, 3000, 0.25)
	must[any](t)(func() (any, error) { return tl.w.WriteBlock(ctx, s, b, 0, 4000, time.Time{}) }())
	const q = `SELECT time, target, name, unit, value, properties_length(properties), property_get(properties, 'unit') FROM %s ORDER BY time`
	want := []string{
		ts(time.Second) + " | sys | cpu | percent | 12.5 | 0 | (null)",
		ts(2*time.Second) + " | render | frame | seconds | 0.5 | 0 | (null)",
		ts(3*time.Second) + " | sys | cpu_core0 | ratio | 0.25 | 2 | ratio",
	}
	wantRows(t, tl.rows(t, sprintf(q, "measures"), QueryOptions{}), want...)
	wantRows(t, tl.rows(t, sprintf(q, "view_instance('measures', '"+p.ProcessID+"')"), QueryOptions{}), want...)
}

// TestRemoteStore queries partitions of an object store that is not a
// local folder: files go through the cache.
func TestRemoteStore(t *testing.T) {
	ctx := context.Background()
	tl := newTestLake(t)
	mem, err := blobstore.Open(ctx, "mem://")
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	tl.opts.Blobs = mem
	tl.w.Blobs = mem
	h := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	p := must[*lakehousetest.Process](t)(tl.w.NewProcess(ctx, "app.exe", h, 0, 1000, nil))
	writeLogBlocks(t, tl, p, 2, h.Add(time.Minute), h.Add(time.Hour+time.Minute))
	if _, err := tl.MaterializeRange(ctx, LogEntriesView, h, h.Add(2*time.Hour), time.Hour); err != nil {
		t.Fatal(err)
	}
	wantRows(t, tl.rows(t, `SELECT count(*) FROM log_entries`, QueryOptions{}), "4")
	if tl.cache.bytes() == 0 {
		t.Fatal("nothing was cached")
	}
}
