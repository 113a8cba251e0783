package lakehouse

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/uuid"
)

// benchDay is the day the query benchmarks' data covers.
var benchDay = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// writeDirectPartitions writes n rows of a global view over benchDay as
// 24 hourly partitions built directly as Arrow (no transit blocks: the
// ETL is measured by BenchmarkETL), with the rows BenchmarkETL's blocks
// would give: one process and stream, a block id per eventsPerBlock rows.
// row appends the view's own columns of row i (time ns); the seven common
// columns are appended here. It returns the process id of the rows.
func writeDirectPartitions(b testing.TB, tl *testLake, view string, n int, row func(c cols, i int, ns int64)) string {
	ctx := context.Background()
	v, _ := lookupView(view)
	perHour := n / 24
	step := int64(time.Hour) / int64(max(perHour, 1)) // ns between rows (i × 1h would overflow)
	bc := &blockContext{processID: uuid.NewString(), streamID: uuid.NewString(), exe: "bench.exe", username: "bench", computer: "benchhost"}
	for h := range 24 {
		hour := benchDay.Add(time.Duration(h) * time.Hour)
		s := newSink(v.schema)
		for first := 0; first < perHour; first += eventsPerBlock {
			k := min(eventsPerBlock, perHour-first)
			bc.blockID = uuid.NewString()
			bc.insertTime = hour.UnixNano() + int64(first)*step
			bc.appendCommon(s.c, k)
			for j := range k {
				i := h*perHour + first + j
				ns := hour.UnixNano() + int64(first+j)*step
				row(s.c, i, ns)
				s.noteRow(ns, ns)
			}
			s.sources++
		}
		_, err := tl.writePartition(ctx, v, GlobalInstance, hour, hour.Add(time.Hour), s)
		s.release()
		check(b, err)
	}
	return bc.processID
}

// benchProcessProperties are the process properties of the generated
// log entries.
var benchProcessProperties = map[string]string{"region": "eu-west-1", "service": "bench", "version": "1.2.3"}

// writeBenchLogs writes n log entries as in genLogs: four sites (levels
// 2–5) in turn, messages "request <i> done in <i mod 997> ms".
func writeBenchLogs(b testing.TB, tl *testLake, n int) {
	var msg []byte
	writeDirectPartitions(b, tl, LogEntriesView, n, func(c cols, i int, ns int64) {
		site := benchSites[i%len(benchSites)]
		c.ts(7, ns)
		c.dict(8, site.Target)
		c.i32(9, int32(site.Level))
		msg = append(append(msg[:0], "request "...), strconv.Itoa(i)...)
		msg = strconv.AppendInt(append(msg, " done in "...), int64(i%997), 10)
		c.b[10].(*array.StringBuilder).BinaryBuilder.Append(append(msg, " ms"...))
		c.props(11, nil)
		c.props(12, benchProcessProperties)
	})
}

// writeBenchMeasures writes n metric values as in genMetrics: frame_time
// and cpu in turn, values (i mod 1000)/10; and the 24 hourly partitions of
// measure_stats that the daemon would make of them (the same code as the
// ETL: measureStats).
func writeBenchMeasures(b testing.TB, tl *testLake, n int) {
	names := [2][3]string{{"render", "frame_time", "ms"}, {"sys", "cpu", "percent"}}
	var stats [24]*measureStats
	for h := range stats {
		stats[h] = newMeasureStats()
	}
	processID := writeDirectPartitions(b, tl, MeasuresView, n, func(c cols, i int, ns int64) {
		c.ts(7, ns)
		for k, v := range names[i%2] {
			c.dict(8+k, v)
		}
		v := float64(i%1000) / 10
		c.f64(11, v)
		c.props(12, nil)
		c.props(13, nil)
		name := names[i%2]
		stats[(ns-benchDay.UnixNano())/int64(time.Hour)].add(ns, name[1], name[0], name[2], v)
	})
	v, _ := lookupView(MeasureStatsView)
	for h, ms := range stats {
		hour := benchDay.Add(time.Duration(h) * time.Hour)
		s := newSink(v.sinkSchema())
		ms.appendTo(s, processID)
		s.sources = int64(n / 24 / eventsPerBlock)
		err := tl.writeAggregated(context.Background(), v, hour, hour.Add(time.Hour), s)
		s.release()
		check(b, err)
	}
}

// benchQueryData returns a test lake holding BenchmarkQueries' data: n log
// entries and n metric values as partitions, and a thread stream of
// spanEvents span events as blocks (its id is returned). With
// MICROMEGAS_BENCH_DIR set, the lake lives in that directory and its data
// is kept for the next run with the same sizes (generating 100 M rows
// takes minutes); remove the directory after changing how partitions are
// written, or the benchmark measures the old layout.
func benchQueryData(b *testing.B, n, spanEvents int) (*testLake, string) {
	dir := os.Getenv("MICROMEGAS_BENCH_DIR")
	if dir == "" {
		tl := newTestLake(b)
		return tl, generateQueryData(b, tl, n, spanEvents)
	}
	marker := filepath.Join(dir, "bench-data.txt")
	want := fmt.Sprintf("%d log entries, %d metric values with measure_stats, %d span events, stream ", n, n, spanEvents)
	if kept, err := os.ReadFile(marker); err == nil {
		stream, ok := strings.CutPrefix(strings.TrimSpace(string(kept)), want)
		if !ok {
			b.Fatalf("%s holds other data (%s); remove the directory or set MICROMEGAS_BENCH_EVENTS and MICROMEGAS_BENCH_SPAN_EVENTS to match", dir, kept)
		}
		fmt.Fprintf(os.Stderr, "reusing the data kept in %s: %s\n", dir, kept)
		return newTestLakeIn(b, dir), stream
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		b.Fatalf("MICROMEGAS_BENCH_DIR %s is not empty and has no %s: remove it (a previous generation did not finish)", dir, filepath.Base(marker))
	}
	check(b, os.MkdirAll(dir, 0o755))
	tl := newTestLakeIn(b, dir)
	stream := generateQueryData(b, tl, n, spanEvents)
	check(b, os.WriteFile(marker, []byte(want+stream+"\n"), 0o644))
	return tl, stream
}

// generateQueryData writes BenchmarkQueries' data into tl and returns the
// id of the thread stream.
func generateQueryData(b *testing.B, tl *testLake, n, spanEvents int) string {
	start := time.Now()
	writeBenchLogs(b, tl, n)
	writeBenchMeasures(b, tl, n)
	fmt.Fprintf(os.Stderr, "wrote %d log entries and %d metric values as partitions in %v\n", n, n, time.Since(start))
	start = time.Now()
	spans := genSpans(b, tl, spanEvents)
	fmt.Fprintf(os.Stderr, "wrote %d span events as blocks in %v\n", spanEvents, time.Since(start))
	return spans.StreamID
}
