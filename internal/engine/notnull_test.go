package engine

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestResultNullability checks which result columns are declared
// non-nullable: those that read a Table.NotNull column unchanged, and no
// others, both when describing a query and when running it (every batch
// carries the reader's schema; tryCollect checks it).
func TestResultNullability(t *testing.T) {
	e, dir := openEngine(t, Options{})
	file := writeLogFile(t, dir, "logs.parquet", []logRow{
		{process: "p1", time: 1, level: 2, msg: "boom"},
		{process: "p1", time: 2, level: 4, msg: "ok"},
	})
	// logs: process_id, time, level and msg hold no null; properties may.
	logs := Table{Name: "logs", Files: []string{file}, Schema: logSchema, NotNull: []string{"process_id", "time", "level", "msg"}}
	plain := Table{Name: "plain", Files: []string{file}, Schema: logSchema}
	other := Table{Name: "other", Files: []string{file}, Schema: logSchema, NotNull: []string{"level"}}
	tests := []struct {
		name    string
		sql     string
		notNull string // the non-nullable result columns, comma-separated
	}{
		{"star", "SELECT * FROM logs", "process_id,time,level,msg"},
		{"columns and aliases", "SELECT msg, level AS lvl, properties FROM logs", "msg,lvl"},
		{"qualified", "SELECT l.level, logs2.msg FROM logs AS l, (SELECT 1) AS logs2(msg)", ""},
		{"table alias", "SELECT l.level, l.msg FROM logs AS l WHERE l.level < 3 ORDER BY l.time LIMIT 5", "level,msg"},
		{"star and expressions", "SELECT *, level + 1 AS next, upper(msg) AS up FROM logs", "process_id,time,level,msg"},
		{"exclude and replace", "SELECT * EXCLUDE (properties) REPLACE (level + 1 AS level) FROM logs", "process_id,time,msg"},
		{"group by", "SELECT level, count(*) AS n, max(msg) AS m FROM logs GROUP BY level", "level"},
		{"group by all", "SELECT level, msg FROM logs GROUP BY ALL", "level,msg"},
		{"rollup adds nulls", "SELECT level FROM logs GROUP BY ROLLUP (level)", ""},
		{"union", "SELECT level FROM logs UNION ALL SELECT level FROM logs", ""},
		{"join", "SELECT logs.level FROM logs LEFT JOIN other ON false", ""},
		{"subquery", "SELECT level FROM (SELECT level FROM logs)", ""},
		{"cte shadows the table", "WITH logs AS (SELECT NULL::INTEGER AS level) SELECT level FROM logs", ""},
		{"renamed columns", "SELECT a FROM logs AS l(a)", ""},
		{"table without NotNull", "SELECT * FROM plain", ""},
		{"other table", "SELECT level, msg FROM other", "level"},
		{"no table", "SELECT 1 AS one", ""},
		{"parameter-free constant column", "SELECT 'x' AS level FROM logs", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tables := []Table{logs, plain, other}
			desc, err := e.Describe(context.Background(), tc.sql, tables)
			if err != nil {
				t.Fatal(err)
			}
			res, err := tryCollect(e, tc.sql, tables...)
			if err != nil {
				t.Fatal(err)
			}
			if !desc.Equal(res.schema) {
				t.Errorf("described schema %s differs from the result's %s", desc, res.schema)
			}
			var got []string
			for _, f := range res.schema.Fields() {
				if !f.Nullable {
					got = append(got, f.Name)
				}
			}
			if strings.Join(got, ",") != tc.notNull {
				t.Errorf("non-nullable columns = %q, want %q", strings.Join(got, ","), tc.notNull)
			}
		})
	}
}

// TestNullabilityNeedsNotNullTables checks that without NotNull columns
// every result column stays nullable, even when the SQL reads a column
// unchanged.
func TestNullabilityNeedsNotNullTables(t *testing.T) {
	e, _ := openEngine(t, Options{})
	tables := []Table{{Name: "t", Schema: logSchema}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := e.Describe(ctx, "SELECT level FROM t", tables)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Field(0).Nullable {
		t.Error("level declared non-nullable although the table names no NotNull column")
	}
}
