package lakehouse

import (
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/lakehouse/dictwrite"
)

// dictCol is a dictionary column of a sink. Each row holds the id of its
// string among all the strings of the column, however many there are;
// sink.write gives the column Int16 indices when it cuts the rows into
// records, with one dictionary per record when the column holds more
// strings than Int16 indices address (a minute of 1,000 blocks per second
// has 60,000 block ids). Ids are kept as Int16 indices (narrow, which
// sink.write then uses as they are) until an id does not fit, and as
// int32 (wide) from then on.
type dictCol struct {
	memo   map[string]int32
	values []string // by id
	narrow []int16  // ids by row, -1 for null; nil once wide
	wide   []int32  // ids by row, -1 for null; nil while narrow
	nulls  int
	last   string // the value of the last add, a lookup saved for runs
	lastID int32  // its id, -1 before the first add
}

func newDictCol() *dictCol { return &dictCol{memo: map[string]int32{}, lastID: -1} }

// id returns the id of v, entering it if new.
func (d *dictCol) id(v string) int32 {
	if d.lastID >= 0 && v == d.last {
		return d.lastID
	}
	id, ok := d.memo[v]
	if !ok {
		id = int32(len(d.values))
		d.values = append(d.values, v)
		d.memo[v] = id
	}
	d.last, d.lastID = v, id
	return id
}

func (d *dictCol) add(v string) {
	id := d.id(v)
	if d.wide == nil && id <= math.MaxInt16 {
		d.narrow = append(d.narrow, int16(id))
		return
	}
	d.widen()
	d.wide = append(d.wide, id)
}

// addN appends v n times.
func (d *dictCol) addN(v string, n int) {
	if n <= 0 {
		return
	}
	id := d.id(v)
	if d.wide == nil && id <= math.MaxInt16 {
		d.narrow = slices.Grow(d.narrow, n)
		for range n {
			d.narrow = append(d.narrow, int16(id))
		}
		return
	}
	d.widen()
	d.wide = slices.Grow(d.wide, n)
	for range n {
		d.wide = append(d.wide, id)
	}
}

func (d *dictCol) addNull() {
	if d.wide == nil {
		d.narrow = append(d.narrow, -1)
	} else {
		d.wide = append(d.wide, -1)
	}
	d.nulls++
}

// widen moves the ids to wide, if they are not there yet.
func (d *dictCol) widen() {
	if d.wide != nil {
		return
	}
	d.wide = make([]int32, len(d.narrow), max(2*len(d.narrow), 1024))
	for r, id := range d.narrow {
		d.wide[r] = int32(id)
	}
	d.narrow = nil
}

// len returns the number of rows.
func (d *dictCol) len() int {
	if d.wide != nil {
		return len(d.wide)
	}
	return len(d.narrow)
}

// idAt returns the id of row r (-1 for null).
func (d *dictCol) idAt(r int) int32 {
	if d.wide != nil {
		return d.wide[r]
	}
	return int32(d.narrow[r])
}

// reset forgets the rows, whose ids the records written may still use.
func (d *dictCol) reset() { d.narrow, d.wide, d.nulls = nil, nil, 0 }

// dictRows are the Int16 indices of a dictionary column being written.
// When the column's strings fit one dictionary, every record shares it
// (global); otherwise each record has the dictionary of the strings its
// rows use, gathered by sink.cut (local and used).
type dictRows struct {
	col       *dictCol
	idx       *memory.Buffer // Int16 indices, by row
	idx16     []int16        // idx's bytes
	valid     *memory.Buffer // validity bitmap; nil without nulls
	global    arrow.Array    // the dictionary of every record; nil when local
	local     []int32        // by id: index in the record's dictionary, -1 if none
	used      []int32        // the ids of the record's dictionary, by index
	addedAt   int            // the row that added the last entry of used
	maxValues int            // entries Int16 indices address
}

// newDictRows encodes the n rows of d: its narrow ids are the indices of
// its own dictionary, else cut assigns them.
func newDictRows(d *dictCol, n int) *dictRows {
	e := &dictRows{col: d, maxValues: dictwrite.Limit(dict16.IndexType), addedAt: -1}
	if d.nulls > 0 {
		bits := make([]byte, bitutil.BytesForBits(int64(n)))
		for r := range n {
			if d.idAt(r) >= 0 {
				bitutil.SetBit(bits, r)
			}
		}
		e.valid = memory.NewBufferBytes(bits)
	}
	if d.wide != nil {
		e.idx16 = make([]int16, n)
		e.local = slices.Repeat([]int32{-1}, len(d.values))
	} else {
		e.idx16 = d.narrow
		if d.nulls > 0 {
			for r, id := range e.idx16 {
				e.idx16[r] = max(id, 0) // a valid index under nulls
			}
		}
		e.global = stringArray(d.values, nil)
	}
	e.idx = memory.NewBufferBytes(arrow.Int16Traits.CastToBytes(e.idx16))
	return e
}

// stringArray is a string array of values[i] for i in ids (all values
// when ids is nil).
func stringArray(values []string, ids []int32) arrow.Array {
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	if ids == nil {
		b.AppendValues(values, nil)
		return b.NewArray()
	}
	b.Reserve(len(ids))
	for _, id := range ids {
		b.Append(values[id])
	}
	return b.NewArray()
}

// index gives row r the index of its string in the record's dictionary,
// adding the string if new. It returns false, changing nothing, when the
// dictionary is full.
func (e *dictRows) index(r int) bool {
	id := e.col.wide[r]
	if id < 0 {
		return true
	}
	if li := e.local[id]; li >= 0 {
		e.idx16[r] = int16(li)
		return true
	}
	if len(e.used) == e.maxValues {
		return false
	}
	e.local[id] = int32(len(e.used))
	e.idx16[r] = int16(len(e.used))
	e.used = append(e.used, id)
	e.addedAt = r
	return true
}

// unindex removes the entry row r added, if it added one.
func (e *dictRows) unindex(r int) {
	if e.addedAt != r || len(e.used) == 0 {
		return
	}
	last := len(e.used) - 1
	e.local[e.used[last]] = -1
	e.used = e.used[:last]
	e.addedAt = -1
}

// array returns the column of the rows [start, end) and resets the
// record's dictionary.
func (e *dictRows) array(start, end int) arrow.Array {
	nulls := 0
	if e.valid != nil {
		nulls = array.UnknownNullCount
	}
	indices := array.NewData(arrow.PrimitiveTypes.Int16, end-start, []*memory.Buffer{e.valid, e.idx}, nil, nulls, start)
	defer indices.Release()
	ia := array.MakeFromData(indices)
	defer ia.Release()
	if e.global != nil {
		return array.NewDictionaryArray(dict16, ia, e.global)
	}
	values := stringArray(e.col.values, e.used)
	defer values.Release()
	for _, id := range e.used {
		e.local[id] = -1
	}
	e.used, e.addedAt = e.used[:0], -1
	return array.NewDictionaryArray(dict16, ia, values)
}

func (e *dictRows) release() {
	if e.global != nil {
		e.global.Release()
	}
}

// cut assigns the indices of the dictionaries of the record that starts
// at row start, in the columns with more strings than one dictionary
// holds (over), and returns the row where the record ends: after at most
// engine.RowGroupRows rows, before the first row whose string would not
// fit its column's dictionary.
func cut(over []*dictRows, start, n int) int {
	end := min(n, start+engine.RowGroupRows)
	if len(over) == 0 {
		return end
	}
	for r := start; r < end; r++ {
		for k, e := range over {
			if !e.index(r) {
				for _, p := range over[:k] {
					p.unindex(r)
				}
				return r
			}
		}
	}
	return end
}

// write passes the rows appended so far (the pending ones first
// appended) to put as record batches of at
// most engine.RowGroupRows rows, each meant to be a row group of its own,
// and resets the sink's columns. put must not keep a record without
// retaining it. A dictionary column gets one dictionary for all records
// when its strings fit Int16 indices, else one per record, records being
// cut early so that each dictionary fits.
func (s *sink) write(put func(arrow.RecordBatch) error) error {
	if s.pending != nil {
		s.pending.flush(s.c)
	}
	n, err := s.c.len()
	if err != nil {
		return fmt.Errorf("sink: %w", err)
	}
	whole := make([]arrow.Array, len(s.c.b)) // the columns that are not dictionaries
	rows := make([]*dictRows, len(s.c.d))
	var over []*dictRows
	defer func() {
		for i := range whole {
			if whole[i] != nil {
				whole[i].Release()
			}
			if rows[i] != nil {
				rows[i].release()
			}
		}
		for _, d := range s.c.d {
			if d != nil {
				d.reset()
			}
		}
	}()
	for i, b := range s.c.b {
		if b != nil {
			whole[i] = b.NewArray()
			continue
		}
		rows[i] = newDictRows(s.c.d[i], n)
		if rows[i].global == nil {
			over = append(over, rows[i])
		}
	}
	cols := make([]arrow.Array, len(whole))
	for start := 0; start < n; {
		end := cut(over, start, n)
		for i := range cols {
			if whole[i] != nil {
				cols[i] = array.NewSlice(whole[i], int64(start), int64(end))
			} else {
				cols[i] = rows[i].array(start, end)
			}
		}
		rec := array.NewRecordBatch(s.schema, cols, int64(end-start))
		for _, c := range cols {
			c.Release()
		}
		err := put(rec)
		rec.Release()
		if err != nil {
			return err
		}
		start = end
	}
	return nil
}
