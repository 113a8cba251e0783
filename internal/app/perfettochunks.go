package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/micromegas-go/micromegas/internal/lakehouse"
	"github.com/micromegas-go/micromegas/internal/perfetto"
)

// perfettoChunksSchema is the result of perfetto_trace_chunks (spec 12).
var perfettoChunksSchema = arrow.NewSchema([]arrow.Field{
	{Name: "chunk_id", Type: arrow.PrimitiveTypes.Int32},
	{Name: "chunk_data", Type: arrow.BinaryTypes.Binary},
}, nil)

// perfettoSignature prefixes the errors of bad calls.
const perfettoSignature = "perfetto_trace_chunks(process_id, span_types, begin, end)"

// perfettoBatchChunks is the number of chunks per record batch.
const perfettoBatchChunks = 64

// tableFunctions are the table functions written in Go that the app
// registers with the lakehouse.
func tableFunctions() map[string]lakehouse.TableFunction {
	return map[string]lakehouse.TableFunction{"perfetto_trace_chunks": perfettoTraceChunks()}
}

// perfettoTraceChunks is the table function
// perfetto_trace_chunks(process_id, span_types, begin, end): the Perfetto
// trace of a process cut in 8 KiB chunks numbered from 0, whose
// concatenation is the trace. Arguments are SQL expressions, so the
// original's Python client statement works, and so do
//
//	SELECT count(*) FROM perfetto_trace_chunks('<pid>', 'both', now() - INTERVAL 1 HOUR, now())
//
// Unknown processes and bad arguments are the query's fault.
func perfettoTraceChunks() lakehouse.TableFunction {
	return lakehouse.TableFunction{
		Describe: func(ctx context.Context, c lakehouse.TableCall) (*arrow.Schema, error) {
			pc, err := parsePerfettoCall(c)
			if err != nil {
				return nil, err
			}
			if _, err := lakeSource(c).ProcessExe(ctx, pc.processID); err != nil {
				return nil, perfettoProcessError(pc, err)
			}
			return perfettoChunksSchema, nil
		},
		Run: func(ctx context.Context, c lakehouse.TableCall, emit func(arrow.RecordBatch) error) (*arrow.Schema, error) {
			pc, err := parsePerfettoCall(c)
			if err != nil {
				return nil, err
			}
			if err := writePerfettoChunks(ctx, lakeSource(c), pc, emit); err != nil {
				return nil, perfettoProcessError(pc, err)
			}
			return perfettoChunksSchema, nil
		},
	}
}

// perfettoCall is a checked call of perfetto_trace_chunks.
type perfettoCall struct {
	processID  string
	spans      perfetto.SpanTypes
	begin, end time.Time
}

// parsePerfettoCall checks the arguments of a call.
func parsePerfettoCall(c lakehouse.TableCall) (perfettoCall, error) {
	var pc perfettoCall
	if len(c.Args) != 4 {
		return pc, invalidPerfetto("takes 4 arguments, got %d", len(c.Args))
	}
	var err error
	if pc.processID, err = c.String(0); err != nil {
		return pc, invalidPerfetto("%v", err)
	}
	spans, err := c.String(1)
	if err != nil {
		return pc, invalidPerfetto("%v", err)
	}
	if pc.spans, err = perfetto.ParseSpanTypes(spans); err != nil {
		return pc, invalidPerfetto("argument 2: %v", err)
	}
	if pc.begin, err = c.Time(2); err != nil {
		return pc, invalidPerfetto("%v", err)
	}
	if pc.end, err = c.Time(3); err != nil {
		return pc, invalidPerfetto("%v", err)
	}
	if pc.end.Before(pc.begin) {
		return pc, invalidPerfetto("end %s is before begin %s", pc.end.Format(time.RFC3339Nano), pc.begin.Format(time.RFC3339Nano))
	}
	return pc, nil
}

func invalidPerfetto(format string, args ...any) error {
	return &lakehouse.QueryError{Err: fmt.Errorf(perfettoSignature+": "+format, args...)}
}

// perfettoProcessError makes an unknown process the query's fault.
func perfettoProcessError(pc perfettoCall, err error) error {
	if errors.Is(err, perfetto.ErrProcessNotFound) {
		return invalidPerfetto("process %s not found", pc.processID)
	}
	return fmt.Errorf("perfetto_trace_chunks: %w", err)
}

// lakeSource reads the data of traces through the lakehouse.
func lakeSource(c lakehouse.TableCall) perfetto.SQLSource {
	return perfetto.SQLSource{Query: func(ctx context.Context, sql string, b, e time.Time) (array.RecordReader, error) {
		return c.Lake.Query(ctx, sql, lakehouse.QueryOptions{Begin: b, End: e, Admin: c.Opts.Admin})
	}}
}

// writePerfettoChunks generates the trace of pc and passes it to emit as
// (chunk_id, chunk_data) batches while it is generated.
func writePerfettoChunks(ctx context.Context, src perfetto.Source, pc perfettoCall, emit func(arrow.RecordBatch) error) error {
	b := array.NewRecordBuilder(memory.DefaultAllocator, perfettoChunksSchema)
	defer b.Release()
	flush := func() error {
		if b.Field(0).Len() == 0 {
			return nil
		}
		rec := b.NewRecordBatch()
		defer rec.Release()
		return emit(rec)
	}
	cw := &perfetto.ChunkWriter{Emit: func(id int32, chunk []byte) error {
		b.Field(0).(*array.Int32Builder).Append(id)
		b.Field(1).(*array.BinaryBuilder).Append(chunk)
		if b.Field(0).Len() == perfettoBatchChunks {
			return flush()
		}
		return nil
	}}
	if err := perfetto.Generate(ctx, src, pc.processID, perfetto.Options{Begin: pc.begin, End: pc.end, Spans: pc.spans}, cw); err != nil {
		return err
	}
	if err := cw.Close(); err != nil {
		return err
	}
	return flush()
}
