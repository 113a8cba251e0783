package lakehouse

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// logRow is one log entry before it is appended to the builders.
type logRow struct {
	time       int64 // ns since epoch
	target     string
	level      int32
	msg        string
	properties map[string]string
	// propsText, when set, is the properties already as stored
	// (props.go), and properties is unused.
	propsText string
}

// blockContext is what a block's rows share.
type blockContext struct {
	processID, streamID, blockID string
	insertTime                   int64
	exe, username, computer      string
	processProps                 string // as stored (props.go)
}

func newBlockContext(b catalog.Block, m *streamMeta) *blockContext {
	return &blockContext{
		processID: b.ProcessID, streamID: b.StreamID, blockID: b.BlockID,
		insertTime: b.InsertTime.UnixNano(),
		exe:        m.process.Exe, username: m.process.Username, computer: m.process.Computer,
		processProps: m.processProps,
	}
}

// appendCommon appends the seven leading columns that log_entries and
// measures share, for the n rows of the block.
func (bc *blockContext) appendCommon(c cols, n int) {
	for i, v := range [...]string{bc.processID, bc.streamID, bc.blockID} {
		c.dictN(i, v, n)
	}
	tb := c.b[3].(*array.TimestampBuilder)
	tb.Reserve(n)
	for range n {
		tb.UnsafeAppend(arrow.Timestamp(bc.insertTime))
	}
	for i, v := range [...]string{bc.exe, bc.username, bc.computer} {
		c.dictN(4+i, v, n)
	}
}

// appendLogBlock decodes a log block and appends its entries; on error
// nothing of the block is appended.
func (l *Lakehouse) appendLogBlock(ctx context.Context, s *sink, b catalog.Block, m *streamMeta) error {
	rows, err := l.logRows(ctx, b, m)
	if err != nil {
		return err
	}
	bc := newBlockContext(b, m)
	c := s.c
	bc.appendCommon(c, len(rows))
	times := c.b[7].(*array.TimestampBuilder)
	levels := c.b[9].(*array.Int32Builder)
	msgs := c.b[10].(*array.StringBuilder)
	times.Reserve(len(rows))
	levels.Reserve(len(rows))
	msgs.Reserve(len(rows))
	for _, r := range rows {
		times.UnsafeAppend(arrow.Timestamp(r.time))
		c.dict(8, r.target)
		levels.UnsafeAppend(r.level)
		msgs.Append(r.msg)
		if r.propsText != "" {
			c.dict(11, r.propsText)
		} else {
			c.props(11, r.properties)
		}
		s.noteRow(r.time, r.time)
	}
	c.dictN(12, bc.processProps, len(rows))
	return nil
}

// logRowFromObject maps one decoded log event to a row (spec 5.2). ok is
// false for events of types that carry no log entry.
func logRowFromObject(obj *transit.Object, conv timeConverter) (r logRow, ok bool, err error) {
	ticks, err := obj.I64("time")
	if err != nil {
		return r, false, err
	}
	r.time = conv.nanos(ticks)
	switch obj.TypeName {
	case "LogStaticStrEvent":
		desc, err := obj.Obj("desc")
		if err != nil {
			return r, false, err
		}
		if r.target, r.level, err = logDesc(desc); err != nil {
			return r, false, err
		}
		r.msg, err = desc.Str("fmt_str")
		return r, err == nil, err
	case "LogStringEventV2", "LogStringEvent":
		desc, err := obj.Obj("desc")
		if err != nil {
			return r, false, err
		}
		if r.target, r.level, err = logDesc(desc); err != nil {
			return r, false, err
		}
		r.msg, err = obj.Str("msg")
		return r, err == nil, err
	case "TaggedLogString":
		desc, err := obj.Obj("desc")
		if err != nil {
			return r, false, err
		}
		if r.target, r.level, err = logDesc(desc); err != nil {
			return r, false, err
		}
		if r.msg, err = obj.Str("msg"); err != nil {
			return r, false, err
		}
		if props, ok := optionalObject(obj, "properties"); ok {
			r.properties, _ = props.PropertyMap()
		}
		overrideFromProperties(&r)
		return r, true, nil
	case "LogStaticStrInteropEvent", "LogStringInteropEventV2", "LogStringInteropEventV3", "TaggedLogInteropEvent":
		lvl, err := interopLevel(obj)
		if err != nil {
			return r, false, err
		}
		r.level = lvl
		if r.target, err = obj.Str("target"); err != nil {
			return r, false, err
		}
		if r.msg, err = obj.Str("msg"); err != nil {
			return r, false, err
		}
		if props, ok := optionalObject(obj, "properties"); ok {
			r.properties, _ = props.PropertyMap()
			overrideFromProperties(&r)
		}
		return r, true, nil
	}
	return r, false, nil
}

func logDesc(desc *transit.Object) (target string, level int32, err error) {
	if target, err = desc.Str("target"); err != nil {
		return "", 0, err
	}
	lvl, err := desc.U32("level")
	if err != nil {
		return "", 0, err
	}
	return target, int32(lvl), nil
}

func interopLevel(obj *transit.Object) (int32, error) {
	v, ok := obj.Get("level")
	if !ok {
		return 0, fmt.Errorf("%s: no member level", obj.TypeName)
	}
	if l, ok := v.U32(); ok {
		return int32(l), nil
	}
	if l, ok := v.U8(); ok {
		return int32(l), nil
	}
	return 0, fmt.Errorf("%s: member level is %s, want an integer", obj.TypeName, v.Kind())
}

// overrideFromProperties applies the properties named target and level,
// which tagged events may use to override their site's (spec 5.2).
func overrideFromProperties(r *logRow) {
	if t, ok := r.properties["target"]; ok {
		r.target = t
	}
	if l, ok := r.properties["level"]; ok {
		if lvl, err := parseLevelName(l); err == nil {
			r.level = lvl
		}
	}
}

func parseLevelName(s string) (int32, error) {
	for i, name := range []string{"fatal", "error", "warn", "info", "debug", "trace"} {
		if s == name {
			return int32(i + 1), nil
		}
	}
	var n int32
	if _, err := fmt.Sscan(s, &n); err != nil {
		return 0, err
	}
	return n, nil
}
