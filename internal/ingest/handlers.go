package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// route reads the body within the size limit, runs h and turns its error
// into a status code and a plain-text message.
func (s *Server) route(h func(ctx context.Context, body []byte) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		body, err := readBody(w, r, s.opts.MaxBodyBytes)
		if err == nil {
			err = h(r.Context(), body)
		}
		if err != nil {
			code := statusFor(err)
			s.log.Warn("ingestion request failed", "path", r.URL.Path, "status", code, "bytes", len(body), "err", err)
			http.Error(w, clientMessage(code, err), code)
			return
		}
		s.log.Debug("ingested", "path", r.URL.Path, "bytes", len(body), "duration", time.Since(start))
		w.WriteHeader(http.StatusOK)
	})
}

// errTruncated marks a body shorter than its declared Content-Length.
var errTruncated = errors.New("request body shorter than its Content-Length")

// readBody reads the request body, refusing more than limit bytes. A
// declared length is read into one buffer of that size (no regrowth for
// blocks of many megabytes); a length over the limit is refused before
// reading.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	n := r.ContentLength
	if n > limit {
		return nil, fmt.Errorf("request body of %d bytes: %w", n, &http.MaxBytesError{Limit: limit})
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	if n <= 0 {
		return io.ReadAll(body)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(body, buf); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w (%d bytes declared)", errTruncated, n)
		}
		return nil, fmt.Errorf("read request body: %w", err)
	}
	return buf, nil
}

func (s *Server) insertProcess(ctx context.Context, body []byte) error {
	p, err := transit.DecodeProcessInfo(body)
	if err != nil {
		return err
	}
	if err := checkTime("process "+string(p.ProcessID)+": start_time", p.StartTime.Time); err != nil {
		return err
	}
	err = s.opts.Catalog.InsertProcess(ctx, catalog.Process{
		ProcessID:       string(p.ProcessID),
		Exe:             p.Exe,
		Username:        p.Username,
		Realname:        p.Realname,
		Computer:        p.Computer,
		Distro:          p.Distro,
		CPUBrand:        p.CPUBrand,
		TSCFrequency:    p.TSCFrequency,
		StartTime:       p.StartTime.Time,
		StartTicks:      p.StartTicks,
		ParentProcessID: string(p.ParentProcessID),
		Properties:      p.Properties,
	})
	if err != nil {
		return fmt.Errorf("insert process %s: %w", p.ProcessID, err)
	}
	return nil
}

func (s *Server) insertStream(ctx context.Context, body []byte) error {
	st, err := transit.DecodeStreamInfo(body)
	if err != nil {
		return err
	}
	deps, err := transit.EncodeUDTs(st.DependenciesMetadata)
	if err != nil {
		return err
	}
	objs, err := transit.EncodeUDTs(st.ObjectsMetadata)
	if err != nil {
		return err
	}
	err = s.opts.Catalog.InsertStream(ctx, catalog.Stream{
		StreamID:             string(st.StreamID),
		ProcessID:            string(st.ProcessID),
		DependenciesMetadata: deps,
		ObjectsMetadata:      objs,
		Tags:                 st.Tags,
		Properties:           st.Properties,
	})
	if err != nil {
		return fmt.Errorf("insert stream %s: %w", st.StreamID, err)
	}
	return nil
}

func (s *Server) insertBlock(ctx context.Context, body []byte) error {
	b, err := transit.DecodeBlock(body)
	if err != nil {
		return err
	}
	if err := checkTime("block "+string(b.BlockID)+": begin_time", b.BeginTime.Time); err != nil {
		return err
	}
	if err := checkTime("block "+string(b.BlockID)+": end_time", b.EndTime.Time); err != nil {
		return err
	}
	payload := encodePayload(b.Payload)
	key := blobstore.BlockKey(string(b.ProcessID), string(b.StreamID), string(b.BlockID))
	if err := s.opts.Blobs.Put(ctx, key, payload); err != nil {
		return fmt.Errorf("write block %s: %w", b.BlockID, err)
	}
	err = s.opts.Catalog.InsertBlock(ctx, catalog.Block{
		BlockID:      string(b.BlockID),
		StreamID:     string(b.StreamID),
		ProcessID:    string(b.ProcessID),
		BeginTime:    b.BeginTime.Time,
		BeginTicks:   b.BeginTicks,
		EndTime:      b.EndTime.Time,
		EndTicks:     b.EndTicks,
		NbObjects:    b.NbObjects,
		ObjectOffset: b.ObjectOffset,
		PayloadSize:  int64(len(payload)),
	})
	if err != nil {
		return fmt.Errorf("insert block %s: %w", b.BlockID, err)
	}
	return nil
}
