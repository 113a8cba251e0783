package lakehouse

import (
	"io"
	"math"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/lakehouse/dictwrite"
)

// spanTable writes rows of thread_spans as a Parquet file of row groups
// of a fixed number of rows (at most engine.RowGroupRows). Rows are gathered into row groups by the
// caller's goroutine; each full row group is turned into Arrow columns
// and encoded on another goroutine, while the call trees go on.
type spanTable struct {
	sites *siteTable // the sites rows refer to; only the caller adds to it
	chunk []span     // rows gathered for the next row group
	// earlyRows counts the rows handed out before their tree was finished.
	earlyRows int64

	open    func() (io.Writer, error) // creates the file, on the first row group
	todo    chan spanChunk
	free    chan []span // row groups written, to gather into again
	done    chan error  // the writer goroutine's result
	aborted atomic.Bool

	// Set by the writer goroutine, valid once close returns.
	rows, minTime, maxTime int64
}

// spanFileOptions set the layout of thread_spans files, measured on
// random call trees (docs/benchmarks.md):
//   - no statistics for the string columns: a row group holds most of a
//     thread's span names, so their bounds would let no query skip it, and
//     computing them (arrow-go hashes every dictionary index to find the
//     values a row group uses) was a quarter of the writer's time;
//   - hash, line and depth PLAIN: the deltas of hashes are as wide as the
//     hashes, and lines and depths take a few values that repeat with the
//     call tree, which LZ4 finds: 9% smaller and about 10% faster to write
//     than DELTA_BINARY_PACKED.
var spanFileOptions = []engine.ParquetOption{
	engine.WithoutStatistics("name"), engine.WithoutStatistics("target"), engine.WithoutStatistics("filename"),
	engine.WithPlainEncoding("hash"), engine.WithPlainEncoding("line"), engine.WithPlainEncoding("depth"),
}

// spanChunk is one row group to write, with the sites its rows refer to.
type spanChunk struct {
	rows   []span
	sites  []spanSite
	hashes []uint32
}

// newSpanTable starts the writer goroutine; close or abort must be called.
func newSpanTable(sites *siteTable, rowGroupRows int, open func() (io.Writer, error)) *spanTable {
	t := &spanTable{sites: sites, open: open,
		todo: make(chan spanChunk, 2), free: make(chan []span, 4), done: make(chan error, 1)}
	t.chunk = make([]span, 0, rowGroupRows)
	go func() { t.done <- t.write() }()
	return t
}

// add appends rows, in the order of the file. It only copies them.
func (t *spanTable) add(rows []span) error {
	for len(rows) > 0 {
		n := copy(t.chunk[len(t.chunk):cap(t.chunk)], rows)
		t.chunk = t.chunk[:len(t.chunk)+n]
		rows = rows[n:]
		if len(t.chunk) == cap(t.chunk) {
			t.send()
		}
	}
	return nil
}

// addEarly is add for rows handed out before their tree is finished.
func (t *spanTable) addEarly(rows []span) error {
	t.earlyRows += int64(len(rows))
	return t.add(rows)
}

// send hands the rows gathered to the writer goroutine.
func (t *spanTable) send() {
	t.todo <- spanChunk{rows: t.chunk, sites: t.sites.list, hashes: t.sites.hashes}
	select {
	case c := <-t.free:
		t.chunk = c
	default:
		t.chunk = make([]span, 0, cap(t.chunk))
	}
}

// close writes the last rows and finishes the file.
func (t *spanTable) close() error {
	if len(t.chunk) > 0 {
		t.send()
	}
	close(t.todo)
	return <-t.done
}

// abort stops the writer goroutine; the file is left unfinished.
func (t *spanTable) abort() {
	t.aborted.Store(true)
	close(t.todo)
	<-t.done
}

// write is the writer goroutine: it encodes the row groups sent until
// todo is closed, then finishes the file. After an error it only drains
// todo.
func (t *spanTable) write() error {
	var enc spanEncoder
	var pw *engine.ParquetWriter
	var err error
	for c := range t.todo {
		if err == nil && !t.aborted.Load() {
			if pw == nil {
				var w io.Writer
				if w, err = t.open(); err == nil {
					pw, err = engine.NewParquetWriter(w, ThreadSpansSchema, spanFileOptions...)
				}
			}
			if err == nil {
				err = enc.write(pw, c)
				t.note(c.rows)
			}
		}
		select {
		case t.free <- c.rows[:0]:
		default:
		}
	}
	if err == nil && pw != nil && !t.aborted.Load() {
		err = pw.Close()
	}
	return err
}

// note counts rows and the time they cover.
func (t *spanTable) note(rows []span) {
	if len(rows) == 0 {
		return
	}
	if t.rows == 0 {
		t.minTime, t.maxTime = math.MaxInt64, math.MinInt64
	}
	for i := range rows {
		t.minTime = min(t.minTime, rows[i].begin)
		t.maxTime = max(t.maxTime, rows[i].end)
	}
	t.rows += int64(len(rows))
}

// spanEncoder turns row groups of spans into Arrow record batches of
// ThreadSpansSchema and writes them. Its column buffers are reused from
// one row group to the next (engine.ParquetWriter.WriteRowGroup keeps no
// reference to them). Each row group has its own dictionaries, of the
// strings its rows use; a chunk whose rows use more strings of a column
// than Int16 indices address is written as several row groups.
type spanEncoder struct {
	ids, parents, begins, ends, durations []int64
	depths, hashes, lines                 []uint32
	dicts                                 [3]localDict // name, target, filename

	gen     uint32     // number of the row group being encoded
	siteGen []uint32   // the row group whose dictionaries siteIdx refers to
	siteIdx [][3]int16 // a site's dictionary indices in that row group
}

// localDict is the dictionary of one string column in one row group.
type localDict struct {
	idx    []int16
	values []string
	memo   map[string]int16
}

// index returns the dictionary index of v, adding it if new.
func (d *localDict) index(v string) int16 {
	if i, ok := d.memo[v]; ok {
		return i
	}
	i := int16(len(d.values))
	d.values = append(d.values, v)
	d.memo[v] = i
	return i
}

// full reports whether v is new and the dictionary has no room for it.
func (d *localDict) full(v string) bool {
	if len(d.values) < dictwrite.Limit(dict16.IndexType) {
		return false
	}
	_, ok := d.memo[v]
	return !ok
}

// The columns of ThreadSpansSchema.
const (
	spanColID = iota
	spanColParent
	spanColDepth
	spanColHash
	spanColBegin
	spanColEnd
	spanColDuration
	spanColName
	spanColTarget
	spanColFilename
	spanColLine
	spanCols
)

// write encodes the rows of c as one row group, or several when they
// use too many strings for one dictionary.
func (e *spanEncoder) write(pw *engine.ParquetWriter, c spanChunk) error {
	for rows := c.rows; len(rows) > 0; {
		n := e.encode(rows, c)
		rec := e.record(n)
		err := pw.WriteRowGroup(rec)
		rec.Release()
		if err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// encode fills the column buffers with the longest prefix of rows whose
// strings fit the dictionaries of a row group (one row at least) and
// returns its length.
func (e *spanEncoder) encode(rows []span, c spanChunk) int {
	n := len(rows)
	e.gen++
	for k := range e.dicts {
		d := &e.dicts[k]
		d.idx, d.values = resize(d.idx, n), d.values[:0]
		if d.memo == nil {
			d.memo = map[string]int16{}
		}
		clear(d.memo)
	}
	for len(e.siteGen) < len(c.sites) {
		e.siteGen = append(e.siteGen, 0)
		e.siteIdx = append(e.siteIdx, [3]int16{})
	}
	e.ids, e.parents, e.begins, e.ends, e.durations = resize(e.ids, n), resize(e.parents, n), resize(e.begins, n), resize(e.ends, n), resize(e.durations, n)
	e.depths, e.hashes, e.lines = resize(e.depths, n), resize(e.hashes, n), resize(e.lines, n)
	names, targets, files := e.dicts[0].idx, e.dicts[1].idx, e.dicts[2].idx
	for i := range rows {
		r := &rows[i]
		s := r.site
		if e.siteGen[s] != e.gen && !e.addSite(s, c.sites[s]) {
			return i
		}
		e.ids[i], e.parents[i], e.depths[i] = r.id, r.parent, r.depth
		e.begins[i], e.ends[i], e.durations[i] = r.begin, r.end, r.end-r.begin
		li := &e.siteIdx[s]
		names[i], targets[i], files[i] = li[0], li[1], li[2]
		e.hashes[i], e.lines[i] = c.hashes[s], c.sites[s].line
	}
	return n
}

// addSite enters the strings of site s in the row group's dictionaries;
// it returns false, adding nothing, when one of them has no room left.
func (e *spanEncoder) addSite(s int32, st spanSite) bool {
	strs := [3]string{st.name, st.target, st.filename}
	for k, v := range strs {
		if e.dicts[k].full(v) {
			return false
		}
	}
	for k, v := range strs {
		e.siteIdx[s][k] = e.dicts[k].index(v)
	}
	e.siteGen[s] = e.gen
	return true
}

// record wraps the column buffers (without copying them) as a record
// batch of n rows.
func (e *spanEncoder) record(n int) arrow.RecordBatch {
	f := ThreadSpansSchema.Fields()
	cols := make([]arrow.Array, spanCols)
	cols[spanColID] = fixedArray(f[spanColID].Type, arrow.Int64Traits.CastToBytes(e.ids), n)
	cols[spanColParent] = fixedArray(f[spanColParent].Type, arrow.Int64Traits.CastToBytes(e.parents), n)
	cols[spanColDepth] = fixedArray(f[spanColDepth].Type, arrow.Uint32Traits.CastToBytes(e.depths), n)
	cols[spanColHash] = fixedArray(f[spanColHash].Type, arrow.Uint32Traits.CastToBytes(e.hashes), n)
	cols[spanColBegin] = fixedArray(f[spanColBegin].Type, arrow.Int64Traits.CastToBytes(e.begins), n)
	cols[spanColEnd] = fixedArray(f[spanColEnd].Type, arrow.Int64Traits.CastToBytes(e.ends), n)
	cols[spanColDuration] = fixedArray(f[spanColDuration].Type, arrow.Int64Traits.CastToBytes(e.durations), n)
	for k := range e.dicts {
		cols[spanColName+k] = e.dicts[k].array(f[spanColName+k].Type, n)
	}
	cols[spanColLine] = fixedArray(f[spanColLine].Type, arrow.Uint32Traits.CastToBytes(e.lines), n)
	rec := array.NewRecordBatch(ThreadSpansSchema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// array is the dictionary column of the row group.
func (d *localDict) array(typ arrow.DataType, n int) arrow.Array {
	vb := array.NewStringBuilder(memory.DefaultAllocator)
	defer vb.Release()
	vb.AppendValues(d.values, nil)
	values := vb.NewArray()
	defer values.Release()
	indices := fixedArray(arrow.PrimitiveTypes.Int16, arrow.Int16Traits.CastToBytes(d.idx), n)
	defer indices.Release()
	return array.NewDictionaryArray(typ, indices, values)
}

// fixedArray is an array of n fixed-width values without nulls over b.
func fixedArray(typ arrow.DataType, b []byte, n int) arrow.Array {
	data := array.NewData(typ, n, []*memory.Buffer{nil, memory.NewBufferBytes(b)}, nil, 0, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// resize returns s with length n, reusing its memory when it is large
// enough.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
