package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/micromegas-go/micromegas/internal/flightsql"
	"github.com/micromegas-go/micromegas/internal/render"
)

// ArrowStreamType is the media type of Arrow IPC streams.
const ArrowStreamType = "application/vnd.apache.arrow.stream"

// maxSQLBytes bounds the SQL of one request, as the original gateway.
const maxSQLBytes = 1 << 20

// queryRequest is the body of POST /api/query and POST /gateway/query.
type queryRequest struct {
	SQL string `json:"sql"`
	// Begin and End (RFC3339) are the query time range of /api/query.
	Begin string `json:"begin"`
	End   string `json:"end"`
	// TimeRangeBegin and TimeRangeEnd are the names the original gateway uses.
	TimeRangeBegin string `json:"time_range_begin"`
	TimeRangeEnd   string `json:"time_range_end"`
	// Limit caps the rows returned (0: no limit).
	Limit int64 `json:"limit"`
}

// httpError is an error with the status it answers.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &httpError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// parseQuery reads the body of a query request into the SQL and options.
func (s *Server) parseQuery(w http.ResponseWriter, r *http.Request) (string, flightsql.QueryOptions, error) {
	var opts flightsql.QueryOptions
	var req queryRequest
	body := http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	dec := json.NewDecoder(body)
	if err := dec.Decode(&req); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return "", opts, &httpError{status: http.StatusRequestEntityTooLarge,
				msg: fmt.Sprintf("request body larger than %d bytes", s.opts.MaxBodyBytes)}
		}
		return "", opts, badRequest(`request body must be a JSON object such as {"sql": "SELECT 1"}: %v`, err)
	}
	sql := strings.TrimSpace(req.SQL)
	switch {
	case sql == "":
		return "", opts, badRequest(`"sql" is required: send {"sql": "SELECT ..."}`)
	case len(sql) > maxSQLBytes:
		return "", opts, badRequest("SQL query too large: %d bytes (max: %d bytes)", len(sql), maxSQLBytes)
	case req.Limit < 0:
		return "", opts, badRequest(`"limit" must not be negative`)
	}
	opts.Limit = req.Limit
	begin, beginName := req.Begin, "begin"
	end, endName := req.End, "end"
	if req.TimeRangeBegin != "" || req.TimeRangeEnd != "" {
		begin, beginName = req.TimeRangeBegin, "time_range_begin"
		end, endName = req.TimeRangeEnd, "time_range_end"
	}
	var err error
	if opts.Begin, opts.End, err = parseRange(begin, beginName, end, endName); err != nil {
		return "", opts, err
	}
	return sql, opts, nil
}

// parseRange reads an optional RFC3339 time range given by both ends.
func parseRange(begin, beginName, end, endName string) (time.Time, time.Time, error) {
	if begin == "" && end == "" {
		return time.Time{}, time.Time{}, nil
	}
	if begin == "" || end == "" {
		return time.Time{}, time.Time{}, badRequest("%s and %s must be given together", beginName, endName)
	}
	b, err := time.Parse(time.RFC3339Nano, begin)
	if err != nil {
		return time.Time{}, time.Time{}, badRequest("invalid %s %q (expected RFC3339 such as 2024-01-01T00:00:00Z)", beginName, begin)
	}
	e, err := time.Parse(time.RFC3339Nano, end)
	if err != nil {
		return time.Time{}, time.Time{}, badRequest("invalid %s %q (expected RFC3339 such as 2024-01-01T00:00:00Z)", endName, end)
	}
	if e.Before(b) {
		return time.Time{}, time.Time{}, badRequest("%s must be before %s", beginName, endName)
	}
	return b.UTC(), e.UTC(), nil
}

// queryError maps an error of the Querier to a status and message.
func queryError(err error) error {
	var he *httpError
	switch {
	case errors.As(err, &he):
		return he
	case flightsql.IsInvalidQuery(err):
		return &httpError{status: http.StatusBadRequest, msg: "invalid query: " + err.Error()}
	case errors.Is(err, context.DeadlineExceeded):
		return &httpError{status: http.StatusGatewayTimeout, msg: "query exceeded its deadline; narrow the time range or add a limit"}
	}
	return &httpError{status: http.StatusInternalServerError, msg: "query failed on the server: " + err.Error()}
}

// apiQuery answers POST /api/query.
func (s *Server) apiQuery(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sql, opts, err := s.parseQuery(w, r)
	if err == nil {
		arrowOut := strings.Contains(r.Header.Get("Accept"), ArrowStreamType)
		err = s.stream(w, r, sql, opts, arrowOut)
	}
	s.finish(w, r, sql, start, err, writeJSONError)
}

// stream runs sql and writes its result as it comes. Once the first
// bytes are out, a failure can no longer change the status: the response
// is then aborted, so the client sees a truncated body, not a short but
// valid-looking one.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, sql string, opts flightsql.QueryOptions, arrowOut bool) error {
	rdr, err := s.opts.Querier.Query(r.Context(), sql, opts)
	if err != nil {
		return queryError(err)
	}
	if opts.Limit > 0 {
		rdr = newLimitReader(rdr, opts.Limit)
	}
	defer rdr.Release()
	out := &startedWriter{w: w}
	if arrowOut {
		w.Header().Set("Content-Type", ArrowStreamType)
		err = writeArrowStream(out, rdr)
	} else {
		w.Header().Set("Content-Type", "application/json")
		err = render.Write(out, render.JSON, rdr.Schema(), rdr)
	}
	if err != nil && out.started {
		s.log.Warn("query aborted after the response started", "sql", sql, "err", err)
		panic(http.ErrAbortHandler)
	}
	if err != nil {
		return queryError(err)
	}
	return nil
}

// writeArrowStream writes rdr as an Arrow IPC stream, flushing each batch.
func writeArrowStream(w *startedWriter, rdr array.RecordReader) error {
	iw := ipc.NewWriter(w, ipc.WithSchema(rdr.Schema()))
	for rdr.Next() {
		if err := iw.Write(rdr.RecordBatch()); err != nil {
			iw.Close()
			return fmt.Errorf("write Arrow batch: %w", err)
		}
		w.flush()
	}
	if err := rdr.Err(); err != nil {
		iw.Close()
		return err
	}
	return iw.Close()
}

// startedWriter records whether a response body was started.
type startedWriter struct {
	w       http.ResponseWriter
	started bool
}

func (s *startedWriter) Write(p []byte) (int, error) {
	s.started = true
	return s.w.Write(p)
}

func (s *startedWriter) flush() {
	if f, ok := s.w.(http.Flusher); ok {
		f.Flush()
	}
}

// finish logs the request and answers err, if any, with errf. Routine
// requests are logged at Debug level, failed ones at Warn.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, sql string, start time.Time, err error, errf func(http.ResponseWriter, int, string)) {
	attrs := []any{"path", r.URL.Path, "sql", sql, "duration", time.Since(start)}
	if err != nil {
		if r.Context().Err() != nil {
			attrs = append(attrs, "error", "client went away")
			s.log.Debug("http query", attrs...)
			return
		}
		he := queryError(err).(*httpError)
		attrs = append(attrs, "status", he.status, "error", he.msg)
		errf(w, he.status, he.msg)
		s.log.Warn("http query", attrs...)
		return
	}
	s.log.Debug("http query", attrs...)
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func writeTextError(w http.ResponseWriter, status int, msg string) {
	http.Error(w, msg, status)
}

// gatewayQuery answers POST /gateway/query like the original gateway:
// a JSON array of rows, errors as plain text.
func (s *Server) gatewayQuery(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sql, opts, err := s.parseQuery(w, r)
	if err == nil {
		err = s.stream(w, r, sql, opts, false)
	}
	s.finish(w, r, sql, start, err, writeTextError)
}

// gatewayHealth answers GET /gateway/health.
func gatewayHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"status": "healthy", "timestamp": time.Now().UTC().Format(time.RFC3339Nano)})
}

// limitReader stops a reader after n rows, slicing the last batch.
type limitReader struct {
	array.RecordReader
	left  int64
	slice arrow.RecordBatch // the current batch when sliced
}

func newLimitReader(r array.RecordReader, n int64) *limitReader {
	return &limitReader{RecordReader: r, left: n}
}

// Next advances unless the limit is reached.
func (l *limitReader) Next() bool {
	l.releaseSlice()
	if l.left <= 0 || !l.RecordReader.Next() {
		return false
	}
	rec := l.RecordReader.RecordBatch()
	if rec.NumRows() > l.left {
		l.slice = rec.NewSlice(0, l.left)
	}
	l.left -= min(rec.NumRows(), l.left)
	return true
}

// RecordBatch returns the current batch, cut to the limit.
func (l *limitReader) RecordBatch() arrow.RecordBatch {
	if l.slice != nil {
		return l.slice
	}
	return l.RecordReader.RecordBatch()
}

// Record returns the current batch.
//
// Deprecated: use RecordBatch.
func (l *limitReader) Record() arrow.RecordBatch { return l.RecordBatch() }

// Release releases the slice and the underlying reader.
func (l *limitReader) Release() {
	l.releaseSlice()
	l.RecordReader.Release()
}

func (l *limitReader) releaseSlice() {
	if l.slice != nil {
		l.slice.Release()
		l.slice = nil
	}
}
