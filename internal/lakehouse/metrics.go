package lakehouse

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// measureRow is one metric value before it is appended.
type measureRow struct {
	time               int64
	target, name, unit string
	value              float64
	properties         map[string]string
	// propsText, when set, is the properties already as stored
	// (props.go), and properties is unused.
	propsText string
}

// measureRowFromObject maps one decoded metric event to a row (spec 5.2):
// integer values become floats, the unit "ticks" becomes "seconds", and
// tagged events may override target, name and unit through properties.
func measureRowFromObject(obj *transit.Object, conv timeConverter) (r measureRow, ok bool, err error) {
	switch obj.TypeName {
	case "IntegerMetricEvent", "FloatMetricEvent", "TaggedIntegerMetricEvent", "TaggedFloatMetricEvent":
	default:
		return r, false, nil
	}
	ticks, err := obj.I64("time")
	if err != nil {
		return r, false, err
	}
	r.time = conv.nanos(ticks)
	desc, err := obj.Obj("desc")
	if err != nil {
		return r, false, err
	}
	if r.name, err = desc.Str("name"); err != nil {
		return r, false, err
	}
	if r.unit, err = desc.Str("unit"); err != nil {
		return r, false, err
	}
	if r.target, err = desc.Str("target"); err != nil {
		return r, false, err
	}
	v, found := obj.Get("value")
	if !found {
		return r, false, fmt.Errorf("%s: no member value", obj.TypeName)
	}
	if f, isF := v.F64(); isF {
		r.value = f
	} else if u, isU := v.U64(); isU {
		r.value = float64(u)
	} else {
		return r, false, fmt.Errorf("%s: member value is %s, want a number", obj.TypeName, v.Kind())
	}
	if props, ok := optionalObject(obj, "properties"); ok {
		r.properties, _ = props.PropertyMap()
		if v, ok := r.properties["target"]; ok {
			r.target = v
		}
		if v, ok := r.properties["name"]; ok {
			r.name = v
		}
		if v, ok := r.properties["unit"]; ok {
			r.unit = v
		}
	}
	if r.unit == "ticks" {
		if conv.freq > 0 {
			r.value /= float64(conv.freq)
		}
		r.unit = "seconds"
	}
	return r, true, nil
}

// appendMetricsBlock decodes a metrics block and appends its values; on
// error nothing of the block is appended.
func (l *Lakehouse) appendMetricsBlock(ctx context.Context, s *sink, b catalog.Block, m *streamMeta) error {
	om, err := l.measureRows(ctx, b, m)
	if err != nil {
		return err
	}
	rows := om.rows
	bc := newBlockContext(b, m)
	c := s.c
	bc.appendCommon(c, len(rows))
	times := c.b[7].(*array.TimestampBuilder)
	values := c.b[11].(*array.Float64Builder)
	times.Reserve(len(rows))
	values.Reserve(len(rows))
	for _, r := range rows {
		times.UnsafeAppend(arrow.Timestamp(r.time))
		for i, v := range [...]string{r.target, r.name, r.unit} {
			c.dict(8+i, v)
		}
		values.UnsafeAppend(r.value)
		if r.propsText != "" {
			c.dict(12, r.propsText)
		} else {
			c.props(12, r.properties)
		}
		s.noteRow(r.time, r.time)
	}
	c.dictN(13, bc.processProps, len(rows))
	return nil
}

// optionalObject returns the object member called name, if there is one
// (without building the error Obj returns for a missing member).
func optionalObject(obj *transit.Object, name string) (*transit.Object, bool) {
	v, found := obj.Get(name)
	if !found {
		return nil, false
	}
	return v.Object()
}
