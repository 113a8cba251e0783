package lakehouse

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// limitReader passes the first n rows of a reader through.
type limitReader struct {
	array.RecordReader
	left int64
	cur  arrow.RecordBatch
}

func newLimitReader(r array.RecordReader, n int64) *limitReader {
	return &limitReader{RecordReader: r, left: n}
}

func (r *limitReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.left <= 0 || !r.RecordReader.Next() {
		return false
	}
	rec := r.RecordReader.RecordBatch()
	if rec.NumRows() > r.left {
		r.cur = rec.NewSlice(0, r.left)
	} else {
		rec.Retain()
		r.cur = rec
	}
	r.left -= r.cur.NumRows()
	return true
}

func (r *limitReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is the deprecated name of RecordBatch.
func (r *limitReader) Record() arrow.RecordBatch { return r.cur }

func (r *limitReader) Release() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.RecordReader.Release()
}
