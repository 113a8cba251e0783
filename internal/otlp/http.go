package otlp

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Content types of OTLP/HTTP bodies.
const (
	contentProtobuf = "application/x-protobuf"
	contentJSON     = "application/json"
)

// Routes returns the OTLP/HTTP routes by ServeMux pattern: POST
// /v1/{logs,metrics,traces}, where OpenTelemetry SDKs send by default,
// and the original's /ingestion/otlp/v1/{logs,metrics,traces}. The
// ingestion server mounts them behind its middleware.
func (r *Receiver) Routes() map[string]http.Handler {
	out := map[string]http.Handler{}
	for _, s := range []Signal{Logs, Metrics, Traces} {
		h := r.Handler(s)
		out["POST /v1/"+s.String()] = h
		out["POST /ingestion/otlp/v1/"+s.String()] = h
	}
	return out
}

// Handler returns the OTLP/HTTP handler of signal s.
func (r *Receiver) Handler(s Signal) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		start := time.Now()
		isJSON, err := requestEncoding(req)
		if err != nil {
			r.fail(w, req, isJSON, err)
			return
		}
		body, err := r.readBody(w, req)
		if err != nil {
			r.fail(w, req, isJSON, err)
			return
		}
		rej, err := r.exportBody(req.Context(), s, body, isJSON)
		if err != nil {
			r.fail(w, req, isJSON, err)
			return
		}
		out, err := exportResponse(s, rej, isJSON)
		if err != nil {
			r.fail(w, req, isJSON, err)
			return
		}
		if rej.n > 0 {
			r.log.Warn("OTLP records refused", "path", req.URL.Path, "refused", rej.n, "reason", rej.msg)
		}
		r.log.Debug("OTLP ingested", "path", req.URL.Path, "bytes", len(body), "duration", time.Since(start))
		w.Header().Set("Content-Type", contentType(isJSON))
		w.WriteHeader(http.StatusOK)
		w.Write(out)
	})
}

// exportBody decodes body, a request of signal s, and stores it.
func (r *Receiver) exportBody(ctx context.Context, s Signal, body []byte, isJSON bool) (rejection, error) {
	raw := body
	if isJSON {
		raw = nil
	}
	var err error
	switch s {
	case Logs:
		m := plogotlp.NewExportRequest()
		if err = pick(isJSON, m.UnmarshalJSON, m.UnmarshalProto)(body); err == nil {
			return r.exportLogs(ctx, m, raw)
		}
	case Metrics:
		m := pmetricotlp.NewExportRequest()
		if err = pick(isJSON, m.UnmarshalJSON, m.UnmarshalProto)(body); err == nil {
			return r.exportMetrics(ctx, m, raw)
		}
	case Traces:
		m := ptraceotlp.NewExportRequest()
		if err = pick(isJSON, m.UnmarshalJSON, m.UnmarshalProto)(body); err == nil {
			return r.exportTraces(ctx, m, raw)
		}
	}
	return rejection{}, badRequest("cannot decode the body as an OTLP %s export request in %s: %v", s, contentType(isJSON), err)
}

func pick[T any](cond bool, a, b T) T {
	if cond {
		return a
	}
	return b
}

// requestEncoding checks the request's Content-Type and
// Content-Encoding; isJSON tells how to answer, even on error.
func requestEncoding(req *http.Request) (isJSON bool, err error) {
	ct := req.Header.Get("Content-Type")
	mt, _, perr := mime.ParseMediaType(ct)
	switch {
	case perr == nil && mt == contentProtobuf:
	case perr == nil && mt == contentJSON:
		isJSON = true
	default:
		return true, &inputError{status: http.StatusUnsupportedMediaType,
			msg: fmt.Sprintf("unsupported Content-Type %q: send %s or %s", ct, contentProtobuf, contentJSON)}
	}
	switch ce := req.Header.Get("Content-Encoding"); ce {
	case "", "identity", "gzip":
	default:
		return isJSON, &inputError{status: http.StatusUnsupportedMediaType,
			msg: fmt.Sprintf("unsupported Content-Encoding %q: send gzip or no encoding", ce)}
	}
	return isJSON, nil
}

func contentType(isJSON bool) string { return pick(isJSON, contentJSON, contentProtobuf) }

var gzipReaders sync.Pool // of *gzip.Reader

// readBody reads the body within the size limit and decompresses it
// when it is gzip, within the same limit.
func (r *Receiver) readBody(w http.ResponseWriter, req *http.Request) ([]byte, error) {
	limit := r.opts.MaxBodyBytes
	tooLarge := func(what string) error {
		return &inputError{status: http.StatusRequestEntityTooLarge,
			msg: fmt.Sprintf("%s is larger than %d bytes: send smaller batches", what, limit)}
	}
	if req.ContentLength > limit {
		return nil, tooLarge(fmt.Sprintf("the body (%d bytes)", req.ContentLength))
	}
	body, err := readAll(http.MaxBytesReader(w, req.Body, limit), req.ContentLength)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge("the body")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, badRequest("the body is shorter than its Content-Length (%d bytes)", req.ContentLength)
	case err != nil:
		return nil, badRequest("read the body: %v", err)
	}
	if req.Header.Get("Content-Encoding") != "gzip" {
		return body, nil
	}
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	if zr == nil {
		zr = new(gzip.Reader)
	}
	defer gzipReaders.Put(zr)
	if err := zr.Reset(bytes.NewReader(body)); err != nil {
		return nil, badRequest("the body is not gzip: %v", err)
	}
	out := bytes.NewBuffer(make([]byte, 0, min(4*int64(len(body)), limit)+1))
	n, err := out.ReadFrom(io.LimitReader(zr, limit+1))
	switch {
	case err != nil:
		return nil, badRequest("the body is not valid gzip: %v", err)
	case n > limit:
		return nil, tooLarge("the decompressed body")
	}
	return out.Bytes(), nil
}

// readAll reads r whole, into one buffer of the declared length when
// there is one.
func readAll(r io.Reader, declared int64) ([]byte, error) {
	if declared <= 0 {
		return io.ReadAll(r)
	}
	buf := make([]byte, declared)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// fail answers an error: its status, a google.rpc.Status with the
// message in the request's encoding, and Retry-After when the client
// should retry.
func (r *Receiver) fail(w http.ResponseWriter, req *http.Request, isJSON bool, err error) {
	status, code, msg := classify(err)
	r.log.Warn("OTLP request failed", "path", req.URL.Path, "status", status, "err", err)
	st := &spb.Status{Code: int32(code), Message: msg}
	var body []byte
	if isJSON {
		body, _ = protojson.Marshal(st)
	} else {
		body, _ = proto.Marshal(st)
	}
	w.Header().Set("Content-Type", contentType(isJSON))
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
	}
	w.WriteHeader(status)
	w.Write(body)
}

// exportResponse encodes the answer to a request of signal s, with a
// partial success when records were refused.
func exportResponse(s Signal, rej rejection, isJSON bool) ([]byte, error) {
	msg := rej.message(s)
	switch s {
	case Logs:
		resp := plogotlp.NewExportResponse()
		if rej.n > 0 {
			resp.PartialSuccess().SetRejectedLogRecords(rej.n)
			resp.PartialSuccess().SetErrorMessage(msg)
		}
		return pick(isJSON, resp.MarshalJSON, resp.MarshalProto)()
	case Metrics:
		resp := pmetricotlp.NewExportResponse()
		if rej.n > 0 {
			resp.PartialSuccess().SetRejectedDataPoints(rej.n)
			resp.PartialSuccess().SetErrorMessage(msg)
		}
		return pick(isJSON, resp.MarshalJSON, resp.MarshalProto)()
	default:
		resp := ptraceotlp.NewExportResponse()
		if rej.n > 0 {
			resp.PartialSuccess().SetRejectedSpans(rej.n)
			resp.PartialSuccess().SetErrorMessage(msg)
		}
		return pick(isJSON, resp.MarshalJSON, resp.MarshalProto)()
	}
}
