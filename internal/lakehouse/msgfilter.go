package lakehouse

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/ngram"
)

// Message trigram filters.
//
// Every Parquet file of a log_entries partition (written from blocks by
// writePartition, global or per process, and by merges in writeQueried)
// carries in its footer's key-value metadata, under msgTrigramsKey, the
// ngram filter of the byte trigrams of all its msg values (the format is
// in package ngram). Queries with msg LIKE '%literal%' skip the files
// whose filter lacks a trigram of the literal (sqltext/needles.go). The
// per-query tail files carry none, and files without the key are always
// read.

// msgTrigramsKey is the key of the filter in a file's metadata.
const msgTrigramsKey = "micromegas.msg_trigrams.v2"

// msgTrigrams computes the filter of the msg column of the records of a
// file being written.
type msgTrigrams struct {
	col int // the msg column
	f   *ngram.Filter
	bad bool // a record's msg column had a type add does not read
}

// newMsgTrigrams returns the filter builder of the files of view with
// records of schema, or nil when such files carry no filter.
func newMsgTrigrams(view string, schema *arrow.Schema) *msgTrigrams {
	if view != LogEntriesView {
		return nil
	}
	idx := schema.FieldIndices("msg")
	if len(idx) != 1 {
		return nil
	}
	return &msgTrigrams{col: idx[0], f: ngram.New()}
}

// add adds the msg values of rec.
func (m *msgTrigrams) add(rec arrow.RecordBatch) {
	if m == nil {
		return
	}
	m.addArray(rec.Column(m.col))
}

func (m *msgTrigrams) addArray(a arrow.Array) {
	switch c := a.(type) {
	case *array.String:
		for i := range c.Len() {
			m.f.Add(c.Value(i)) // a null is empty
		}
	case *array.LargeString:
		for i := range c.Len() {
			m.f.Add(c.Value(i))
		}
	case *array.StringView:
		for i := range c.Len() {
			if c.IsValid(i) {
				m.f.Add(c.Value(i))
			}
		}
	case *array.Dictionary: // every value of the dictionary: a superset
		m.addArray(c.Dictionary())
	default:
		m.bad = true
	}
}

// wrap returns put adding each record to the filter first.
func (m *msgTrigrams) wrap(put func(arrow.RecordBatch) error) func(arrow.RecordBatch) error {
	if m == nil {
		return put
	}
	return func(rec arrow.RecordBatch) error {
		m.add(rec)
		return put(rec)
	}
}

// store writes the filter in the metadata of pw's file, unless a record
// could not be read (the file is then always read).
func (m *msgTrigrams) store(pw *engine.ParquetWriter) error {
	if m == nil || m.bad {
		return nil
	}
	return pw.SetKeyValue(msgTrigramsKey, m.f.Encode())
}
