package engine

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/micromegas-go/micromegas/internal/sketch"
)

// The Go functions behind the sketch macros of functionsSQL. A sketch is
// STRUCT("min" DOUBLE, "max" DOUBLE, "count" UBIGINT, keys INTEGER[],
// counts UBIGINT[]): the buckets of package sketch, keys ascending.
const (
	mergeSketchesName      = "micromegas_merge_sketches"
	sketchFromValuesName   = "micromegas_sketch_from_values"
	quantileFromSketchName = "quantile_from_sketch"
)

// SketchSQLType is the SQL type of a sketch.
const SketchSQLType = `STRUCT("min" DOUBLE, "max" DOUBLE, "count" UBIGINT, keys INTEGER[], counts UBIGINT[])`

// sketchFromValue reads a sketch passed to a function; nil (a NULL) is
// an empty sketch.
func sketchFromValue(v any) (sketch.Sketch, error) {
	var s sketch.Sketch
	if v == nil {
		return s, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return s, fmt.Errorf("a sketch is a STRUCT, got %T", v)
	}
	s.Min, _ = m["min"].(float64)
	s.Max, _ = m["max"].(float64)
	s.Count, _ = m["count"].(uint64)
	keys, _ := m["keys"].([]any)
	counts, _ := m["counts"].([]any)
	if len(keys) != len(counts) {
		return s, fmt.Errorf("a sketch has %d keys and %d counts", len(keys), len(counts))
	}
	s.Keys = make([]int32, len(keys))
	s.Counts = make([]uint64, len(counts))
	var total uint64
	for i := range keys {
		k, ok1 := keys[i].(int32)
		c, ok2 := counts[i].(uint64)
		if !ok1 || !ok2 || (i > 0 && k <= s.Keys[i-1]) {
			return s, fmt.Errorf("a sketch's keys must be ascending non-NULL integers with non-NULL counts")
		}
		s.Keys[i], s.Counts[i] = k, c
		total += c
	}
	if total != s.Count {
		return s, fmt.Errorf("a sketch's count %d is not the sum of its counts %d", s.Count, total)
	}
	return s, nil
}

// sketchValue is s as a function result; an empty sketch has NULL min
// and max.
func sketchValue(s sketch.Sketch) map[string]any {
	m := map[string]any{"min": s.Min, "max": s.Max, "count": s.Count, "keys": s.Keys, "counts": s.Counts}
	if s.Count == 0 {
		m["min"], m["max"] = nil, nil
	}
	return m
}

type sketchUDF struct {
	cfg duckdb.ScalarFuncConfig
	fn  func([]driver.Value) (any, error)
}

func (u *sketchUDF) Config() duckdb.ScalarFuncConfig { return u.cfg }

func (u *sketchUDF) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: u.fn}
}

// mergeSketches merges a list of sketches (NULLs skipped).
func mergeSketches(v []driver.Value) (any, error) {
	list, ok := v[0].([]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a list of sketches, got %T", mergeSketchesName, v[0])
	}
	var b sketch.Builder
	for _, e := range list {
		s, err := sketchFromValue(e)
		if err != nil {
			return nil, fmt.Errorf("sum_sketches: %w", err)
		}
		b.Merge(&s)
	}
	return sketchValue(b.Sketch()), nil
}

// sketchFromValues makes the sketch of a list of values (NULL and NaN
// skipped).
func sketchFromValues(v []driver.Value) (any, error) {
	list, ok := v[0].([]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a list of DOUBLE, got %T", sketchFromValuesName, v[0])
	}
	var b sketch.Builder
	for _, e := range list {
		if f, ok := e.(float64); ok {
			b.Add(f)
		}
	}
	return sketchValue(b.Sketch()), nil
}

// quantileFromSketch returns the ratio quantile of a sketch, NULL when
// it is empty.
func quantileFromSketch(v []driver.Value) (any, error) {
	s, err := sketchFromValue(v[0])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", quantileFromSketchName, err)
	}
	ratio, ok := v[1].(float64)
	if !ok || math.IsNaN(ratio) {
		return nil, fmt.Errorf("%s: the ratio must be a number between 0 and 1, got %v", quantileFromSketchName, v[1])
	}
	if s.Count == 0 {
		return nil, nil
	}
	return s.Quantile(ratio), nil
}

// registerSketchFunctions creates the Go functions of the sketch macros.
func registerSketchFunctions(conn *sql.Conn) error {
	typ := func(t duckdb.Type) duckdb.TypeInfo {
		ti, err := duckdb.NewTypeInfo(t)
		if err != nil {
			panic(err) // primitive types always have a TypeInfo
		}
		return ti
	}
	double, ubigint, integer := typ(duckdb.TYPE_DOUBLE), typ(duckdb.TYPE_UBIGINT), typ(duckdb.TYPE_INTEGER)
	keys, err := duckdb.NewListInfo(integer)
	if err != nil {
		return fmt.Errorf("engine: sketch type: %w", err)
	}
	counts, err := duckdb.NewListInfo(ubigint)
	if err != nil {
		return fmt.Errorf("engine: sketch type: %w", err)
	}
	var entries []duckdb.StructEntry
	for _, f := range []struct {
		name string
		t    duckdb.TypeInfo
	}{{"min", double}, {"max", double}, {"count", ubigint}, {"keys", keys}, {"counts", counts}} {
		e, err := duckdb.NewStructEntry(f.t, f.name)
		if err != nil {
			return fmt.Errorf("engine: sketch type: %w", err)
		}
		entries = append(entries, e)
	}
	sk, err := duckdb.NewStructInfo(entries[0], entries[1:]...)
	if err != nil {
		return fmt.Errorf("engine: sketch type: %w", err)
	}
	sketches, err := duckdb.NewListInfo(sk)
	if err != nil {
		return fmt.Errorf("engine: sketch type: %w", err)
	}
	doubles, err := duckdb.NewListInfo(double)
	if err != nil {
		return fmt.Errorf("engine: sketch type: %w", err)
	}
	for _, f := range []struct {
		name string
		in   []duckdb.TypeInfo
		out  duckdb.TypeInfo
		fn   func([]driver.Value) (any, error)
	}{
		{mergeSketchesName, []duckdb.TypeInfo{sketches}, sk, mergeSketches},
		{sketchFromValuesName, []duckdb.TypeInfo{doubles}, sk, sketchFromValues},
		{quantileFromSketchName, []duckdb.TypeInfo{sk, double}, double, quantileFromSketch},
	} {
		udf := &sketchUDF{cfg: duckdb.ScalarFuncConfig{InputTypeInfos: f.in, ResultTypeInfo: f.out}, fn: f.fn}
		if err := duckdb.RegisterScalarUDF(conn, f.name, udf); err != nil {
			return fmt.Errorf("engine: register %s: %w", f.name, err)
		}
	}
	return nil
}
