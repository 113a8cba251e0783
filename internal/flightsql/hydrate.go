package flightsql

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
)

// plainSchema returns schema with every dictionary type, nested ones
// included, replaced by its value type. It returns schema itself when
// nothing changes.
func plainSchema(schema *arrow.Schema) *arrow.Schema {
	fields := schema.Fields()
	changed := false
	for i, f := range fields {
		if dt, ok := plainType(f.Type); ok {
			fields[i].Type = dt
			changed = true
		}
	}
	if !changed {
		return schema
	}
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md)
}

// plainType returns dt without dictionary encoding, and whether it differs.
func plainType(dt arrow.DataType) (arrow.DataType, bool) {
	switch t := dt.(type) {
	case *arrow.DictionaryType:
		v, _ := plainType(t.ValueType)
		return v, true
	case *arrow.MapType:
		kf, vf := t.KeyField(), t.ItemField()
		var kc, vc bool
		kf.Type, kc = plainType(kf.Type)
		vf.Type, vc = plainType(vf.Type)
		if !kc && !vc {
			return dt, false
		}
		m := arrow.MapOfFields(kf, vf)
		m.KeysSorted = t.KeysSorted
		return m, true
	case *arrow.ListType:
		f := t.ElemField()
		var ok bool
		if f.Type, ok = plainType(f.Type); !ok {
			return dt, false
		}
		return arrow.ListOfField(f), true
	case *arrow.LargeListType:
		f := t.ElemField()
		var ok bool
		if f.Type, ok = plainType(f.Type); !ok {
			return dt, false
		}
		return arrow.LargeListOfField(f), true
	case *arrow.FixedSizeListType:
		f := t.ElemField()
		var ok bool
		if f.Type, ok = plainType(f.Type); !ok {
			return dt, false
		}
		return arrow.FixedSizeListOfField(t.Len(), f), true
	case *arrow.StructType:
		fields := t.Fields()
		changed := false
		for i, f := range fields {
			if ft, ok := plainType(f.Type); ok {
				fields[i].Type = ft
				changed = true
			}
		}
		if !changed {
			return dt, false
		}
		return arrow.StructOf(fields...), true
	}
	return dt, false
}

// hydrate returns rec with its columns decoded to the types of target,
// which is plainSchema(rec.Schema()). The result is a new reference; rec is
// not released.
func hydrate(ctx context.Context, rec arrow.RecordBatch, target *arrow.Schema) (arrow.RecordBatch, error) {
	if rec.Schema() == target {
		rec.Retain()
		return rec, nil
	}
	cols := make([]arrow.Array, rec.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, col := range rec.Columns() {
		plain, err := plainArray(ctx, col)
		if err != nil {
			return nil, fmt.Errorf("decode dictionary column %q (%s): %w", target.Field(i).Name, col.DataType(), err)
		}
		cols[i] = plain
		if want := target.Field(i).Type; !arrow.TypeEqual(plain.DataType(), want) {
			return nil, fmt.Errorf("decode dictionary column %q: got %s, want %s", target.Field(i).Name, plain.DataType(), want)
		}
	}
	return array.NewRecordBatch(target, cols, rec.NumRows()), nil
}

// plainArray returns arr with every dictionary, nested ones included,
// replaced by its values. The result is a new reference.
func plainArray(ctx context.Context, arr arrow.Array) (arrow.Array, error) {
	dt, changed := plainType(arr.DataType())
	if !changed {
		arr.Retain()
		return arr, nil
	}
	switch a := arr.(type) {
	case *array.Dictionary:
		values, err := compute.TakeArray(ctx, a.Dictionary(), a.Indices())
		if err != nil {
			return nil, err
		}
		defer values.Release()
		return plainArray(ctx, values)
	case *array.Struct:
		children := make([]arrow.ArrayData, a.NumField())
		for i := range a.NumField() {
			// Struct.Field slices children to the struct's offset; the
			// rebuilt data keeps the offset, so use the unsliced children.
			child := array.MakeFromData(a.Data().Children()[i])
			plain, err := plainArray(ctx, child)
			child.Release()
			if err != nil {
				return nil, err
			}
			defer plain.Release()
			children[i] = plain.Data()
		}
		return rebuild(arr, dt, children), nil
	case interface{ ListValues() arrow.Array }: // list, large list, fixed size list, map
		plain, err := plainArray(ctx, a.ListValues())
		if err != nil {
			return nil, err
		}
		defer plain.Release()
		return rebuild(arr, dt, []arrow.ArrayData{plain.Data()}), nil
	}
	return nil, fmt.Errorf("cannot decode dictionaries inside %s", arr.DataType())
}

// rebuild returns an array of type dt with the buffers, length, offset and
// nulls of arr and the given children.
func rebuild(arr arrow.Array, dt arrow.DataType, children []arrow.ArrayData) arrow.Array {
	d := arr.Data()
	data := array.NewData(dt, d.Len(), d.Buffers(), children, d.NullN(), d.Offset())
	defer data.Release()
	return array.MakeFromData(data)
}
