package lakehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/micromegas-go/micromegas/internal/catalog"
	"github.com/micromegas-go/micromegas/internal/engine"
	"github.com/micromegas-go/micromegas/internal/sqltext"
)

// Schemas of the table functions of spec 6.
var (
	listPartitionsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "view_set_name", Type: arrow.BinaryTypes.String},
		{Name: "view_instance_id", Type: arrow.BinaryTypes.String},
		{Name: "begin_insert_time", Type: timestamp},
		{Name: "end_insert_time", Type: timestamp},
		{Name: "min_event_time", Type: timestamp, Nullable: true},
		{Name: "max_event_time", Type: timestamp, Nullable: true},
		{Name: "updated", Type: timestamp},
		{Name: "file_path", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "file_size", Type: arrow.PrimitiveTypes.Int64},
		{Name: "file_schema_hash", Type: arrow.BinaryTypes.Binary},
		{Name: "source_data_hash", Type: arrow.BinaryTypes.Binary},
		{Name: "num_rows", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	listViewSetsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "view_set_name", Type: arrow.BinaryTypes.String},
		{Name: "current_schema_hash", Type: arrow.BinaryTypes.Binary},
		{Name: "schema", Type: arrow.BinaryTypes.String},
		{Name: "has_view_maker", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "global_instance_available", Type: arrow.FixedWidthTypes.Boolean},
	}, nil)
	logStreamSchema = arrow.NewSchema([]arrow.Field{
		{Name: "time", Type: timestamp},
		{Name: "msg", Type: arrow.BinaryTypes.String},
	}, nil)
)

// recordTable builds a record with fill and makes it a per-query table.
func (q *queryPlan) recordTable(name string, schema *arrow.Schema, fill func(c cols)) (engine.Table, error) {
	t := engine.Table{Name: name, Schema: schema}
	if q.describe {
		return t, nil
	}
	s := newSink(schema)
	defer s.release()
	fill(s.c)
	if n, err := s.c.len(); err != nil || n == 0 {
		return t, err
	}
	path, err := q.writeTempSink(s)
	if err != nil {
		return t, err
	}
	t.Files = []string{path}
	return t, nil
}

// listPartitions makes the table of list_partitions().
func (q *queryPlan) listPartitions(ctx context.Context, c sqltext.Call, name string) (engine.Table, error) {
	if len(c.Args) != 0 {
		return engine.Table{}, &QueryError{fmt.Errorf("list_partitions takes no argument")}
	}
	var parts []catalog.Partition
	if !q.describe {
		var err error
		if parts, err = q.l.opts.Catalog.ListPartitions(ctx, catalog.PartitionFilter{}); err != nil {
			return engine.Table{}, fmt.Errorf("list_partitions: %w", err)
		}
	}
	return q.recordTable(name, listPartitionsSchema, func(c cols) {
		optTime := func(i int, t time.Time) {
			if t.IsZero() {
				c.null(i)
			} else {
				c.ts(i, t.UnixNano())
			}
		}
		for _, p := range parts {
			c.str(0, p.ViewSetName)
			c.str(1, p.ViewInstanceID)
			c.ts(2, p.BeginInsertTime.UnixNano())
			c.ts(3, p.EndInsertTime.UnixNano())
			optTime(4, p.MinEventTime)
			optTime(5, p.MaxEventTime)
			c.ts(6, p.Updated.UnixNano())
			if p.FilePath == "" {
				c.null(7)
			} else {
				c.str(7, p.FilePath)
			}
			c.i64(8, p.FileSize)
			c.bin(9, p.FileSchemaHash)
			c.bin(10, p.SourceDataHash)
			c.i64(11, p.NumRows)
		}
	})
}

// listViewSets makes the table of list_view_sets().
func (q *queryPlan) listViewSets(c sqltext.Call, name string) (engine.Table, error) {
	if len(c.Args) != 0 {
		return engine.Table{}, &QueryError{fmt.Errorf("list_view_sets takes no argument")}
	}
	return q.recordTable(name, listViewSetsSchema, func(c cols) {
		for _, v := range viewSets {
			c.str(0, v.name)
			c.bin(1, v.hash)
			c.str(2, v.schema.String())
			c.boolean(3, v.instance != noInstance)
			c.boolean(4, v.global)
		}
	})
}

// adminFunction runs retire_partitions or materialize_partitions, whose
// time arguments are SQL expressions evaluated by the engine.
func (q *queryPlan) adminFunction(ctx context.Context, c sqltext.Call, name string) (engine.Table, error) {
	if len(c.Args) != 4 {
		return engine.Table{}, &QueryError{fmt.Errorf("%s takes 4 arguments, got %d", c.Name, len(c.Args))}
	}
	view, err := c.StringArg(0)
	if err != nil {
		return engine.Table{}, &QueryError{err}
	}
	if q.describe {
		return engine.Table{Name: name, Schema: logStreamSchema}, nil
	}
	var msgs []string
	log := func(format string, args ...any) { msgs = append(msgs, fmt.Sprintf(format, args...)) }
	switch c.Name {
	case "retire_partitions":
		instance, err := c.StringArg(1)
		if err != nil {
			return engine.Table{}, &QueryError{err}
		}
		begin, end, err := q.evalTimes(ctx, c.ArgText(q.sql, 2), c.ArgText(q.sql, 3))
		if err != nil {
			return engine.Table{}, err
		}
		n, err := q.l.RetirePartitions(ctx, view, instance, begin, end)
		if err != nil {
			return engine.Table{}, err
		}
		log("retired %d partitions of %s/%s in [%s, %s]", n, view, instance, begin.Format(time.RFC3339Nano), end.Format(time.RFC3339Nano))
	case "materialize_partitions":
		begin, end, err := q.evalTimes(ctx, c.ArgText(q.sql, 1), c.ArgText(q.sql, 2))
		if err != nil {
			return engine.Table{}, err
		}
		secs, err := q.evalInt(ctx, c.ArgText(q.sql, 3))
		if err != nil {
			return engine.Table{}, err
		}
		n, err := q.l.MaterializeRange(ctx, view, begin, end, time.Duration(secs)*time.Second)
		if err != nil {
			return engine.Table{}, &QueryError{err}
		}
		log("materialized %s in [%s, %s) in slices of %d s: %d partitions written", view,
			begin.Format(time.RFC3339Nano), end.Format(time.RFC3339Nano), secs, n)
	}
	now := time.Now().UnixNano()
	return q.recordTable(name, logStreamSchema, func(c cols) {
		for _, m := range msgs {
			c.ts(0, now)
			c.str(1, m)
		}
	})
}

// evalTimes evaluates two SQL timestamp expressions.
func (q *queryPlan) evalTimes(ctx context.Context, begin, end string) (time.Time, time.Time, error) {
	var out [2]time.Time
	for i, expr := range []string{begin, end} {
		err := q.evalScalar(ctx, "CAST(("+expr+") AS TIMESTAMP_NS)", func(v arrow.Array) bool {
			ts, ok := v.(*array.Timestamp)
			if ok && !ts.IsNull(0) {
				out[i] = time.Unix(0, int64(ts.Value(0))).UTC()
			}
			return ok && !ts.IsNull(0)
		})
		if err != nil {
			return out[0], out[1], err
		}
	}
	return out[0], out[1], nil
}

func (q *queryPlan) evalInt(ctx context.Context, expr string) (int64, error) {
	var n int64
	err := q.evalScalar(ctx, "CAST(("+expr+") AS BIGINT)", func(v arrow.Array) bool {
		a, ok := v.(*array.Int64)
		if ok && !a.IsNull(0) {
			n = a.Value(0)
		}
		return ok && !a.IsNull(0)
	})
	return n, err
}

// evalScalar evaluates one SQL expression and passes its value, as a
// one-row array, to use, which reports whether the value is acceptable.
func (q *queryPlan) evalScalar(ctx context.Context, expr string, use func(arrow.Array) bool) error {
	rdr, err := q.l.opts.Engine.Query(ctx, "SELECT "+expr, nil)
	if err != nil {
		return err
	}
	defer rdr.Release()
	if rdr.Next() && rdr.RecordBatch().NumRows() > 0 {
		if use(rdr.RecordBatch().Column(0)) {
			return nil
		}
		return &QueryError{fmt.Errorf("invalid argument: %s", expr)}
	}
	if err := rdr.Err(); err != nil {
		return err
	}
	return &QueryError{fmt.Errorf("%s has no value", expr)}
}
