package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/flightsql"
)

// ingester stores rows uploaded with FlightSQL bulk ingestion
// (DoPut CommandStatementIngest) into the catalog and the object store:
// the original's replication path, with the column names of its Python
// client's bulk_ingest. Inserts are idempotent, so a replication that is
// retried creates no duplicates; insert times are the server's.
type ingester struct {
	catalog catalog.Store
	blobs   *blobstore.Store
}

// Ingest stores every batch of rdr into table.
func (g ingester) Ingest(ctx context.Context, table string, rdr array.RecordReader) (int64, error) {
	var n int64
	for rdr.Next() {
		k, err := g.batch(ctx, table, rdr.RecordBatch())
		n += k
		if err != nil {
			return n, err
		}
	}
	if err := rdr.Err(); err != nil {
		return n, fmt.Errorf("ingest into %s: read upload: %w", table, err)
	}
	return n, nil
}

func (g ingester) batch(ctx context.Context, table string, rec arrow.RecordBatch) (int64, error) {
	c := columns{table: table, rec: rec}
	var row func(ctx context.Context, i int) error
	var err error
	switch table {
	case "processes":
		row, err = g.processRows(c)
	case "streams":
		row, err = g.streamRows(c)
	case "blocks":
		row, err = g.blockRows(c)
	case "payloads":
		row, err = g.payloadRows(c)
	default:
		return 0, &flightsql.InvalidQueryError{Err: fmt.Errorf("cannot ingest into %q: use processes, streams, blocks or payloads", table)}
	}
	if err != nil {
		return 0, err
	}
	for i := range int(rec.NumRows()) {
		if err := row(ctx, i); err != nil {
			if errors.Is(err, catalog.ErrInvalidID) {
				err = c.invalid("row %d: %v", i, err)
			}
			return int64(i), err
		}
	}
	return rec.NumRows(), nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error { return errors.Join(errs...) }

func (g ingester) processRows(c columns) (func(context.Context, int) error, error) {
	id, e1 := c.strings("process_id", true)
	exe, e2 := c.strings("exe", false)
	user, e3 := c.strings("username", false)
	real, e4 := c.strings("realname", false)
	computer, e5 := c.strings("computer", false)
	distro, e6 := c.strings("distro", false)
	cpu, e7 := c.strings("cpu_brand", false)
	freq, e8 := c.ints("tsc_frequency", true)
	start, e9 := c.times("start_time", true)
	ticks, e10 := c.ints("start_ticks", true)
	parent, e11 := c.strings("parent_process_id", false)
	props, e12 := c.properties("properties")
	if err := firstErr(e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12); err != nil {
		return nil, err
	}
	return func(ctx context.Context, i int) error {
		var p catalog.Process
		var errs [12]error
		p.ProcessID, errs[0] = id(i)
		p.Exe, errs[1] = exe(i)
		p.Username, errs[2] = user(i)
		p.Realname, errs[3] = real(i)
		p.Computer, errs[4] = computer(i)
		p.Distro, errs[5] = distro(i)
		p.CPUBrand, errs[6] = cpu(i)
		p.TSCFrequency, errs[7] = freq(i)
		p.StartTime, errs[8] = start(i)
		p.StartTicks, errs[9] = ticks(i)
		p.ParentProcessID, errs[10] = parent(i)
		p.Properties, errs[11] = props(i)
		if err := firstErr(errs[:]...); err != nil {
			return err
		}
		if err := g.catalog.InsertProcess(ctx, p); err != nil {
			return fmt.Errorf("ingest process %s: %w", p.ProcessID, err)
		}
		return nil
	}, nil
}

func (g ingester) streamRows(c columns) (func(context.Context, int) error, error) {
	id, e1 := c.strings("stream_id", true)
	proc, e2 := c.strings("process_id", true)
	deps, e3 := c.bytes("dependencies_metadata", true)
	objs, e4 := c.bytes("objects_metadata", true)
	tags, e5 := c.stringLists("tags")
	props, e6 := c.properties("properties")
	if err := firstErr(e1, e2, e3, e4, e5, e6); err != nil {
		return nil, err
	}
	return func(ctx context.Context, i int) error {
		var s catalog.Stream
		var errs [6]error
		s.StreamID, errs[0] = id(i)
		s.ProcessID, errs[1] = proc(i)
		s.DependenciesMetadata, errs[2] = deps(i)
		s.ObjectsMetadata, errs[3] = objs(i)
		s.Tags, errs[4] = tags(i)
		s.Properties, errs[5] = props(i)
		if err := firstErr(errs[:]...); err != nil {
			return err
		}
		if err := g.catalog.InsertStream(ctx, s); err != nil {
			return fmt.Errorf("ingest stream %s: %w", s.StreamID, err)
		}
		return nil
	}, nil
}

func (g ingester) blockRows(c columns) (func(context.Context, int) error, error) {
	id, e1 := c.strings("block_id", true)
	stream, e2 := c.strings("stream_id", true)
	proc, e3 := c.strings("process_id", true)
	begin, e4 := c.times("begin_time", true)
	beginTicks, e5 := c.ints("begin_ticks", true)
	end, e6 := c.times("end_time", true)
	endTicks, e7 := c.ints("end_ticks", true)
	nb, e8 := c.ints("nb_objects", true)
	offset, e9 := c.ints("object_offset", true)
	size, e10 := c.ints("payload_size", true)
	if err := firstErr(e1, e2, e3, e4, e5, e6, e7, e8, e9, e10); err != nil {
		return nil, err
	}
	return func(ctx context.Context, i int) error {
		var b catalog.Block
		var nbObjects int64
		var errs [10]error
		b.BlockID, errs[0] = id(i)
		b.StreamID, errs[1] = stream(i)
		b.ProcessID, errs[2] = proc(i)
		b.BeginTime, errs[3] = begin(i)
		b.BeginTicks, errs[4] = beginTicks(i)
		b.EndTime, errs[5] = end(i)
		b.EndTicks, errs[6] = endTicks(i)
		nbObjects, errs[7] = nb(i)
		b.ObjectOffset, errs[8] = offset(i)
		b.PayloadSize, errs[9] = size(i)
		if err := firstErr(errs[:]...); err != nil {
			return err
		}
		b.NbObjects = int32(nbObjects)
		if err := g.catalog.InsertBlock(ctx, b); err != nil {
			return fmt.Errorf("ingest block %s: %w", b.BlockID, err)
		}
		return nil
	}, nil
}

func (g ingester) payloadRows(c columns) (func(context.Context, int) error, error) {
	proc, e1 := c.strings("process_id", true)
	stream, e2 := c.strings("stream_id", true)
	block, e3 := c.strings("block_id", true)
	payload, e4 := c.bytes("payload", true)
	if err := firstErr(e1, e2, e3, e4); err != nil {
		return nil, err
	}
	return func(ctx context.Context, i int) error {
		var p, s, b string
		var data []byte
		var errs [4]error
		p, errs[0] = proc(i)
		s, errs[1] = stream(i)
		b, errs[2] = block(i)
		data, errs[3] = payload(i)
		if err := firstErr(errs[:]...); err != nil {
			return err
		}
		var e [3]error
		p, e[0] = catalog.CanonicalID("process id", p)
		s, e[1] = catalog.CanonicalID("stream id", s)
		b, e[2] = catalog.CanonicalID("block id", b)
		if err := firstErr(e[:]...); err != nil {
			return c.invalid("row %d: %v", i, err)
		}
		if err := g.blobs.Put(ctx, blobstore.BlockKey(p, s, b), data); err != nil {
			if errors.Is(err, blobstore.ErrConflict) {
				return c.invalid("row %d: block %s already has a different payload", i, b)
			}
			return fmt.Errorf("ingest payload of block %s: %w", b, err)
		}
		return nil
	}, nil
}
