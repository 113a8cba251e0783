package app

import (
	"context"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/util"

	"github.com/micromegas-go/micromegas/internal/auth"
	"github.com/micromegas-go/micromegas/internal/lakehouse"
)

// lakeOptions are the lakehouse options of a query run by the identity in
// ctx: only admins may call the functions that change the lakehouse.
func lakeOptions(ctx context.Context, begin, end time.Time, limit int64) lakehouse.QueryOptions {
	id, _ := auth.FromContext(ctx)
	return lakehouse.QueryOptions{Begin: begin, End: end, Limit: limit, Admin: id.Admin}
}

// auditedReader counts the rows and bytes a query returns and writes its
// audit line when released (or at once when the query fails to start).
type auditedReader struct {
	array.RecordReader
	ctx    context.Context
	audit  *auth.Auditor
	record auth.QueryRecord
	start  time.Time
	once   sync.Once
}

// audited wraps the result of a query for its audit line; a nil auditor
// returns rdr unchanged.
func audited(ctx context.Context, a *auth.Auditor, sql string, begin, end time.Time, rdr array.RecordReader, err error) (array.RecordReader, error) {
	if a == nil {
		return rdr, err
	}
	r := &auditedReader{RecordReader: rdr, ctx: ctx, audit: a, start: time.Now(),
		record: auth.QueryRecord{SQL: sql, Begin: begin, End: end}}
	if err != nil {
		r.record.Err = err
		r.finish()
		return nil, err
	}
	return r, nil
}

// Next counts each batch as it passes.
func (r *auditedReader) Next() bool {
	if !r.RecordReader.Next() {
		return false
	}
	rec := r.RecordReader.RecordBatch()
	r.record.Rows += rec.NumRows()
	r.record.Bytes += util.TotalRecordSize(rec)
	return true
}

// RecordBatch returns the current batch.
func (r *auditedReader) RecordBatch() arrow.RecordBatch { return r.RecordReader.RecordBatch() }

// Release writes the audit line once the reader is released for good.
func (r *auditedReader) Release() {
	if r.RecordReader != nil {
		if err := r.RecordReader.Err(); err != nil {
			r.record.Err = err
		}
	}
	r.RecordReader.Release()
	r.finish()
}

func (r *auditedReader) finish() {
	r.once.Do(func() {
		r.record.Duration = time.Since(r.start)
		r.audit.Query(r.ctx, r.record)
	})
}
