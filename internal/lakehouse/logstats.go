package lakehouse

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/lakehouse/dictwrite"
)

// logStatsBin is the width of a log_stats time bin.
const logStatsBin = time.Minute

// logStatsSQL sums the counts of equal (time_bin, process_id, level,
// target) keys of a table of log_stats rows (%s): partitions of
// different insert ranges, and blocks within a partition, may hold the
// same key. Queries read log_stats through it, and merges write it.
const logStatsSQL = `SELECT time_bin, process_id, level, target, CAST(sum("count") AS BIGINT) AS "count"
	FROM %s GROUP BY time_bin, process_id, level, target`

// logStatsMergeSQL is logStatsSQL ordered for the files the daemon
// writes (row-group statistics on time_bin).
const logStatsMergeSQL = logStatsSQL + ` ORDER BY time_bin, process_id, level, target`

// logStatsKey is one row of log_stats within a block.
type logStatsKey struct {
	bin    int64 // ns since epoch, a multiple of logStatsBin
	level  int32
	target string
}

// appendLogStatsBlock decodes a log block and appends one row per
// (minute, level, target) of its entries with their count; on error
// nothing of the block is appended. Keys repeat across blocks: readers
// sum them (logStatsSQL).
func (l *Lakehouse) appendLogStatsBlock(ctx context.Context, s *sink, b catalog.Block, m *streamMeta) error {
	rows, err := l.logRows(ctx, b, m)
	if err != nil {
		return err
	}
	counts := map[logStatsKey]int64{}
	for _, r := range rows {
		counts[logStatsKey{bin: floorBin(r.time, int64(logStatsBin)), level: r.level, target: r.target}]++
	}
	keys := make([]logStatsKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b logStatsKey) int {
		return cmp.Or(cmp.Compare(a.bin, b.bin), cmp.Compare(a.level, b.level), cmp.Compare(a.target, b.target))
	})
	c := s.c
	for _, k := range keys {
		c.ts(0, k.bin)
		c.str(1, m.process.ProcessID)
		c.i32(2, k.level)
		c.str(3, k.target)
		c.i64(4, counts[k])
		// A row stands for events anywhere in its bin, so partitions are
		// kept for every range meeting one of their bins.
		s.noteRow(k.bin, k.bin+int64(logStatsBin)-1)
	}
	return nil
}

// floorBin rounds t down to a multiple of width (also before 1970).
func floorBin(t, width int64) int64 {
	b := t / width * width
	if b > t {
		b -= width
	}
	return b
}

// logStatsFilter keeps the bins that begin within [begin, end], as the
// original's filter on time_bin: a bin is counted whole or not at all, so
// the answer does not depend on how partitions are cut.
func logStatsFilter(begin, end string) string {
	return fmt.Sprintf(`time_bin BETWEEN %s AND %s`, begin, end)
}

// tailRange is the range selecting the blocks of the per-query tail of v
// for a query range r: a log_stats bin beginning at r.hi holds events up
// to a bin later.
func (v *viewSet) tailRange(r timeRange) timeRange {
	if v.reaggregate != "" && !r.hi.IsZero() {
		r.hi = r.hi.Add(logStatsBin)
	}
	return r
}

// queryTables returns the tables a query reads for the global view v
// whose partitions (and tail) make t: t itself, or, for a view whose rows
// are re-aggregated and may repeat a key, t renamed plus the view over it.
func (v *viewSet) queryTables(t engine.Table, keysRepeat bool) []engine.Table {
	if v.reaggregate == "" || !keysRepeat {
		return []engine.Table{t}
	}
	parts := t
	parts.Name = "__" + v.name + "_partitions"
	return []engine.Table{parts, {Name: v.name, Schema: v.schema, NotNull: v.notNull, SQL: fmt.Sprintf(v.reaggregate, quoteIdent(parts.Name))}}
}

// mergeQuery returns the query merging the partitions of v read as the
// table source.
func (v *viewSet) mergeQuery(source string) string {
	switch {
	case v.merge != "":
		return fmt.Sprintf(v.merge, source)
	case v.order != "":
		return "SELECT * FROM " + source + " ORDER BY " + v.order
	}
	return "SELECT * FROM " + source
}

// writeQueried runs query over the Parquet files (the table merge_source)
// and writes its rows as the file of a global partition beginning at
// begin, with the dictionary-encoded string columns of v's schema
// (dictwrite.Writer) and, for log_entries, the msg trigram filter
// (msgfilter.go), for otel_spans the trace id filter (tracefilter.go);
// it returns the file's key, size and row count.
func (l *Lakehouse) writeQueried(ctx context.Context, v *viewSet, begin time.Time, query string, files []string) (string, int64, int64, error) {
	rdr, err := l.opts.Engine.Query(ctx, query, []engine.Table{{Name: "merge_source", Files: files}})
	if err != nil {
		return "", 0, 0, err
	}
	defer rdr.Release()
	key := partitionKey(v.name, GlobalInstance, begin)
	var rows int64
	size, err := l.writeObject(ctx, key, func(w io.Writer) error {
		var pw *engine.ParquetWriter
		var dw *dictwrite.Writer
		var tg *msgTrigrams
		var ti *traceIDs
		dw = dictwrite.New(rdr.Schema(), v.schema, func(rec arrow.RecordBatch) error {
			tg.add(rec)
			ti.add(rec)
			if dw.Encodes() { // records of their own dictionaries: a row group each
				return pw.WriteRowGroup(rec)
			}
			return pw.Write(rec)
		})
		defer dw.Release()
		tg = newMsgTrigrams(v.name, dw.Schema())
		ti = newTraceIDs(v.name, dw.Schema(), 0)
		pw, err := engine.NewParquetWriter(w, dw.Schema())
		if err != nil {
			return err
		}
		for rdr.Next() {
			if err := dw.Write(rdr.RecordBatch()); err != nil {
				pw.Close()
				return err
			}
		}
		if err := rdr.Err(); err != nil {
			pw.Close()
			return err
		}
		if err := dw.Flush(); err != nil {
			pw.Close()
			return err
		}
		if err := tg.store(pw); err != nil {
			pw.Close()
			return err
		}
		if err := ti.store(pw); err != nil {
			pw.Close()
			return err
		}
		rows = pw.Rows()
		return pw.Close()
	})
	if err != nil {
		return "", 0, 0, err
	}
	return key, size, rows, nil
}

// writeAggregated commits the global partition [begin, end) of a view
// whose rows are re-aggregated (log_stats) from the rows of its blocks in
// sk: one row per key of the whole partition, not per block. The rows go
// through a Parquet file in the cache folder, deleted at the end.
func (l *Lakehouse) writeAggregated(ctx context.Context, v *viewSet, begin, end time.Time, sk *sink) error {
	p := catalog.Partition{
		ViewSetName: v.name, ViewInstanceID: GlobalInstance, BeginInsertTime: begin, EndInsertTime: end,
		Updated: time.Now().UTC(), FileSchemaHash: v.hash, SourceDataHash: encodeSourceCount(sk.sources),
	}
	if sk.rows > 0 {
		path, err := l.writeLocalRecord(sk)
		if path != "" {
			defer os.Remove(path)
		}
		if err != nil {
			return err
		}
		key, size, rows, err := l.writeQueried(ctx, v, begin, v.mergeQuery("merge_source"), []string{path})
		if err != nil {
			return fmt.Errorf("aggregate: %w", err)
		}
		p.FilePath, p.FileSize, p.NumRows = key, size, rows
		p.MinEventTime = time.Unix(0, sk.minTime).UTC()
		p.MaxEventTime = time.Unix(0, sk.maxTime).UTC()
	}
	return l.commitPartition(ctx, p)
}

// writeLocalRecord writes the rows of sk to a new Parquet file in the
// cache folder of per-query files and returns its path.
func (l *Lakehouse) writeLocalRecord(sk *sink) (string, error) {
	dir := filepath.Join(l.opts.CacheDir, tailDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("aggregate: %w", err)
	}
	f, err := os.CreateTemp(dir, "aggregate-*.parquet")
	if err != nil {
		return "", fmt.Errorf("aggregate: %w", err)
	}
	err = sk.writeParquet(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return f.Name(), fmt.Errorf("aggregate: write %s: %w", f.Name(), err)
	}
	return f.Name(), nil
}
