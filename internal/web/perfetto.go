package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/micromegas-go/micromegas/internal/flightsql"
	"github.com/micromegas-go/micromegas/internal/perfetto"
)

// perfettoTrace answers GET /api/perfetto/{process_id}: the Perfetto
// trace of the process's spans over [begin, end] (RFC3339 query
// parameters; by default the time covered by the process's blocks) with
// spans=thread|async|both (default both).
func (s *Server) perfettoTrace(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	pid := r.PathValue("process_id")
	q := r.URL.Query()
	err := s.writeTrace(w, r, pid, q.Get("begin"), q.Get("end"), q.Get("spans"))
	s.finish(w, r, "perfetto "+pid, start, err, writeTextError)
}

func (s *Server) writeTrace(w http.ResponseWriter, r *http.Request, pid, beginArg, endArg, spansArg string) error {
	types, err := perfetto.ParseSpanTypes(spansArg)
	if err != nil {
		return badRequest("%v", err)
	}
	begin, end, err := parseRange(beginArg, "begin", endArg, "end")
	if err != nil {
		return err
	}
	src := perfetto.SQLSource{Query: func(ctx context.Context, sql string, b, e time.Time) (array.RecordReader, error) {
		return s.opts.Querier.Query(ctx, sql, flightsql.QueryOptions{Begin: b, End: e})
	}}
	if begin.IsZero() {
		if begin, end, err = src.TimeRange(r.Context(), pid); err != nil {
			if errors.Is(err, perfetto.ErrProcessNotFound) {
				return &httpError{status: http.StatusNotFound, msg: fmt.Sprintf("process %s has no data", pid)}
			}
			return err
		}
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", pid+".pftrace"))
	out := &startedWriter{w: w}
	err = perfetto.Generate(r.Context(), src, pid, perfetto.Options{Begin: begin, End: end, Spans: types}, out)
	switch {
	case err == nil:
		return nil
	case out.started:
		s.log.Warn("perfetto trace aborted after the response started", "process_id", pid, "err", err)
		panic(http.ErrAbortHandler)
	case errors.Is(err, perfetto.ErrProcessNotFound):
		return &httpError{status: http.StatusNotFound, msg: fmt.Sprintf("process %s not found", pid)}
	}
	return err
}
