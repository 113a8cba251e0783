package lakehouse

import (
	"fmt"
	"maps"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// LogEntriesView is the name of the log view set.
const LogEntriesView = "log_entries"

// logEntriesSchemaHash versions the file schema of log_entries partitions:
// partitions with another hash are ignored (and rebuilt).
var logEntriesSchemaHash = []byte{1}

var (
	dict16    = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}
	timestamp = &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "+00:00"}
	propsType = arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.String)
)

// LogEntriesSchema is the schema of log_entries (spec 5.2; properties are a
// MAP(VARCHAR, VARCHAR) rather than the original's JSONB).
var LogEntriesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "process_id", Type: dict16},
	{Name: "stream_id", Type: dict16},
	{Name: "block_id", Type: dict16},
	{Name: "insert_time", Type: timestamp},
	{Name: "exe", Type: dict16},
	{Name: "username", Type: dict16},
	{Name: "computer", Type: dict16},
	{Name: "time", Type: timestamp},
	{Name: "target", Type: dict16},
	{Name: "level", Type: arrow.PrimitiveTypes.Int32},
	{Name: "msg", Type: arrow.BinaryTypes.String},
	{Name: "properties", Type: propsType},
	{Name: "process_properties", Type: propsType},
}, nil)

// logRow is one log entry before it is appended to the builders.
type logRow struct {
	time       int64 // ns since epoch
	target     string
	level      int32
	msg        string
	properties map[string]string
}

// logBuilder accumulates log entries of many blocks into one record.
type logBuilder struct {
	b            *array.RecordBuilder
	rows         int64
	minTime      int64
	maxTime      int64
	sourceBlocks int
}

func newLogBuilder(mem memory.Allocator) *logBuilder {
	return &logBuilder{b: array.NewRecordBuilder(mem, LogEntriesSchema)}
}

// blockContext is what a block's rows share.
type blockContext struct {
	processID, streamID, blockID string
	insertTime                   int64
	exe, username, computer      string
	processProperties            map[string]string
}

func (lb *logBuilder) append(bc *blockContext, r logRow) error {
	f := lb.b.Fields()
	for i, s := range []string{bc.processID, bc.streamID, bc.blockID} {
		if err := f[i].(*array.BinaryDictionaryBuilder).AppendString(s); err != nil {
			return fmt.Errorf("append %s: %w", LogEntriesSchema.Field(i).Name, err)
		}
	}
	f[3].(*array.TimestampBuilder).Append(arrow.Timestamp(bc.insertTime))
	for i, s := range []string{bc.exe, bc.username, bc.computer} {
		if err := f[4+i].(*array.BinaryDictionaryBuilder).AppendString(s); err != nil {
			return fmt.Errorf("append %s: %w", LogEntriesSchema.Field(4+i).Name, err)
		}
	}
	f[7].(*array.TimestampBuilder).Append(arrow.Timestamp(r.time))
	if err := f[8].(*array.BinaryDictionaryBuilder).AppendString(r.target); err != nil {
		return fmt.Errorf("append target: %w", err)
	}
	f[9].(*array.Int32Builder).Append(r.level)
	f[10].(*array.StringBuilder).Append(r.msg)
	appendMap(f[11].(*array.MapBuilder), r.properties)
	appendMap(f[12].(*array.MapBuilder), bc.processProperties)
	if lb.rows == 0 || r.time < lb.minTime {
		lb.minTime = r.time
	}
	if lb.rows == 0 || r.time > lb.maxTime {
		lb.maxTime = r.time
	}
	lb.rows++
	return nil
}

// appendMap appends m with sorted keys, so files are deterministic.
func appendMap(b *array.MapBuilder, m map[string]string) {
	b.Append(true)
	kb := b.KeyBuilder().(*array.StringBuilder)
	vb := b.ItemBuilder().(*array.StringBuilder)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		kb.Append(k)
		vb.Append(m[k])
	}
}

func (lb *logBuilder) release() { lb.b.Release() }

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
		if props, err := obj.Obj("properties"); err == nil {
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
		if props, err := obj.Obj("properties"); err == nil {
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
