package lakehouse

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/gotrace"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// GoroutineStatesView is the view of the execution-trace snapshots of a
// process (streams tagged go_trace, sent by the telemetry flight
// recorder): one row per interval a goroutine spent in one state.
const GoroutineStatesView = "goroutine_states"

// goTraceTag is the stream tag of execution-trace snapshots.
const goTraceTag = "go_trace"

// GoroutineStatesSchema is the schema of goroutine_states.
var GoroutineStatesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "stream_id", Type: dict16},
	{Name: "block_id", Type: dict16},
	// trigger is why the snapshot was taken: log, slow_span, keep_recent, panic.
	{Name: "trigger", Type: dict16},
	{Name: "goroutine_id", Type: arrow.PrimitiveTypes.Int64},
	// goroutine_name is the goroutine's entry function ("" when unknown).
	{Name: "goroutine_name", Type: dict16},
	// state is running, runnable, blocked or syscall; reason is the
	// runtime's reason for entering it (chan receive, select, sleep, ...).
	{Name: "state", Type: dict16},
	{Name: "reason", Type: dict16},
	{Name: "begin", Type: timestamp},
	{Name: "end", Type: timestamp},
	{Name: "duration", Type: arrow.PrimitiveTypes.Int64},
	// function, filename and line are the innermost frame where the
	// goroutine entered the state; stack holds up to 16 frames.
	{Name: "function", Type: dict16},
	{Name: "filename", Type: dict16},
	{Name: "line", Type: arrow.PrimitiveTypes.Uint32},
	{Name: "stack", Type: arrow.BinaryTypes.String},
}, nil)

// appendGoTraceBlock appends the goroutine state intervals of the
// snapshots of one go_trace block. The trace is parsed by internal/gotrace;
// a trace cut short keeps the intervals read before the cut, and the error
// is returned.
func (l *Lakehouse) appendGoTraceBlock(ctx context.Context, s *sink, b catalog.Block, m *streamMeta) error {
	type snapshot struct{ trigger, data string }
	var snaps []snapshot
	err := l.parseBlock(ctx, b, m, func(obj *transit.Object) error {
		if obj.TypeName != transit.GoExecutionTraceTypeName {
			return nil
		}
		trigger, err := obj.Str("trigger")
		if err != nil {
			return err
		}
		data, err := obj.Str("data")
		if err != nil {
			return err
		}
		snaps = append(snaps, snapshot{trigger, data})
		return nil
	})
	if err != nil {
		return err
	}
	c := s.c
	for _, snap := range snaps {
		err := gotrace.Intervals(strings.NewReader(snap.data), func(iv gotrace.Interval) error {
			begin, end := iv.Begin.UnixNano(), iv.End.UnixNano()
			c.dict(0, b.StreamID)
			c.dict(1, b.BlockID)
			c.dict(2, snap.trigger)
			c.i64(3, iv.Goroutine)
			c.dict(4, iv.Name)
			c.dict(5, iv.State)
			c.dict(6, iv.Reason)
			c.ts(7, begin)
			c.ts(8, end)
			c.i64(9, end-begin)
			c.dict(10, iv.Func)
			c.dict(11, iv.File)
			c.u32(12, uint32(iv.Line))
			c.str(13, iv.Stack)
			s.noteRow(begin, end)
			return nil
		})
		if err != nil {
			return fmt.Errorf("block %s: %w", b.BlockID, err)
		}
	}
	return nil
}
