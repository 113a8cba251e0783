package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// streamMeta is a stream with its decoded type metadata and its process.
type streamMeta struct {
	stream  catalog.Stream
	process catalog.Process
	depUDTs []transit.UserDefinedType
	objUDTs []transit.UserDefinedType
	conv    timeConverter
	// streamProps and processProps are the properties of the stream and
	// of its process as stored (props.go), encoded once.
	streamProps, processProps string
}

// sources caches the metadata of the streams met during one update.
type sources struct {
	cat     catalog.Store
	streams map[string]*streamMeta
}

func newSources(cat catalog.Store) *sources {
	return &sources{cat: cat, streams: map[string]*streamMeta{}}
}

// get returns the metadata of a block's stream, or an error wrapping
// catalog.ErrNotFound when the stream or its process is not known yet.
func (s *sources) get(ctx context.Context, b catalog.Block) (*streamMeta, error) {
	if m, ok := s.streams[b.StreamID]; ok {
		return m, nil
	}
	st, err := s.cat.GetStream(ctx, b.StreamID)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", b.StreamID, err)
	}
	proc, err := s.cat.GetProcess(ctx, st.ProcessID)
	if err != nil {
		return nil, fmt.Errorf("process %s: %w", st.ProcessID, err)
	}
	m := &streamMeta{stream: st, process: proc, streamProps: propsJSON(st.Properties), processProps: propsJSON(proc.Properties)}
	if isOTLP(st) { // no transit metadata; times are nanoseconds
		m.conv = newTimeConverter(proc.StartTime, proc.StartTime.UnixNano(), int64(time.Second))
		s.streams[b.StreamID] = m
		return m, nil
	}
	if m.depUDTs, err = transit.DecodeUDTs(st.DependenciesMetadata); err != nil {
		return nil, fmt.Errorf("stream %s: %w", st.StreamID, err)
	}
	if m.objUDTs, err = transit.DecodeUDTs(st.ObjectsMetadata); err != nil {
		return nil, fmt.Errorf("stream %s: %w", st.StreamID, err)
	}
	freq := proc.TSCFrequency
	if freq <= 0 {
		freq = estimateFrequency(proc.StartTime, b.EndTime, b.EndTicks)
	}
	m.conv = newTimeConverter(proc.StartTime, proc.StartTicks, freq)
	s.streams[b.StreamID] = m
	return m, nil
}

// parseBlock fetches a block's payload and calls fn for each event. The
// event objects are reused (transit.ScanObjects): fn copies what it needs,
// and strings read from the events (messages) share the decompressed
// buffer, which is never reused, so they may be kept.
func (l *Lakehouse) parseBlock(ctx context.Context, b catalog.Block, m *streamMeta, fn func(*transit.Object) error) error {
	objBuf, deps, err := l.loadBlock(ctx, b, m, nil)
	if err != nil {
		return err
	}
	if err := transit.ScanObjects(objBuf, m.objUDTs, deps, fn); err != nil {
		return fmt.Errorf("block %s objects: %w", b.BlockID, err)
	}
	return nil
}

// scanBlock is parseBlock with transit.ScanRecords: fn reads only the
// members it needs. The objects are decompressed by dz, so strings read
// from them are valid only until dz's next use; values resolved from the
// dependencies may be kept.
func (l *Lakehouse) scanBlock(ctx context.Context, b catalog.Block, m *streamMeta, dz *transit.Decompressor, fn func(*transit.Record) error) error {
	objBuf, deps, err := l.loadBlock(ctx, b, m, dz)
	if err != nil {
		return err
	}
	if err := transit.ScanRecords(objBuf, m.objUDTs, deps, fn); err != nil {
		return fmt.Errorf("block %s objects: %w", b.BlockID, err)
	}
	return nil
}

// loadBlock fetches a block's payload, decompresses it (the objects with
// dz unless nil) and decodes its dependencies.
func (l *Lakehouse) loadBlock(ctx context.Context, b catalog.Block, m *streamMeta, dz *transit.Decompressor) ([]byte, transit.Dependencies, error) {
	data, err := l.opts.Blobs.Get(ctx, blobstore.BlockKey(b.ProcessID, b.StreamID, b.BlockID))
	if err != nil {
		return nil, nil, fmt.Errorf("read block %s: %w", b.BlockID, err)
	}
	payload, err := transit.DecodePayload(data)
	if err != nil {
		return nil, nil, fmt.Errorf("block %s: %w", b.BlockID, err)
	}
	depBuf, err := transit.Decompress(payload.Dependencies)
	if err != nil {
		return nil, nil, fmt.Errorf("block %s dependencies: %w", b.BlockID, err)
	}
	var objBuf []byte
	if dz != nil {
		objBuf, err = dz.Decompress(payload.Objects)
	} else {
		objBuf, err = transit.Decompress(payload.Objects)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("block %s objects: %w", b.BlockID, err)
	}
	deps, err := transit.ParseDependencies(depBuf, m.depUDTs)
	if err != nil {
		return nil, nil, fmt.Errorf("block %s dependencies: %w", b.BlockID, err)
	}
	return objBuf, deps, nil
}

// maxPresizedRows bounds the rows reserved from a block's declared object
// count, which comes from the client.
const maxPresizedRows = 1 << 16

func isNotFound(err error) bool { return errors.Is(err, catalog.ErrNotFound) }

// blockRows decodes a block and maps each event to a row with toRow, which
// reports false for events that carry no row. On error no row is returned,
// so a bad block contributes nothing.
func blockRows[R any](ctx context.Context, l *Lakehouse, b catalog.Block, m *streamMeta, toRow func(*transit.Object, timeConverter) (R, bool, error)) ([]R, error) {
	rows := make([]R, 0, min(max(int(b.NbObjects), 0), maxPresizedRows))
	err := l.parseBlock(ctx, b, m, func(obj *transit.Object) error {
		r, ok, err := toRow(obj, m.conv)
		if err != nil {
			return fmt.Errorf("%s: %w", obj.TypeName, err)
		}
		if ok {
			rows = append(rows, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}
