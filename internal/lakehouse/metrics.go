package lakehouse

import (
	"context"
	"fmt"

	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/transit"
)

// measureRow is one metric value before it is appended.
type measureRow struct {
	time               int64
	target, name, unit string
	value              float64
	properties         map[string]string
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
	if props, err := obj.Obj("properties"); err == nil {
		r.properties, _ = props.PropertyMap()
		for key, dst := range map[string]*string{"target": &r.target, "name": &r.name, "unit": &r.unit} {
			if v, ok := r.properties[key]; ok {
				*dst = v
			}
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
	rows, err := blockRows(ctx, l, b, m, measureRowFromObject)
	if err != nil {
		return err
	}
	bc := newBlockContext(b, m)
	c := s.c
	for _, r := range rows {
		if err := bc.appendCommon(c); err != nil {
			return err
		}
		c.ts(7, r.time)
		for i, v := range []string{r.target, r.name, r.unit} {
			if err := c.dict(8+i, v); err != nil {
				return err
			}
		}
		c.f64(11, r.value)
		c.props(12, r.properties)
		c.props(13, bc.processProperties)
		s.noteRow(r.time, r.time)
	}
	return nil
}
