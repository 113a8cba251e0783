package engine

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
)

// DuckDB's result types carry no nullability, so every column of a result
// would be declared nullable. The original Micromegas declares most view
// columns non-nullable, and clients build their column types from the
// declared schema; the engine therefore marks a result column
// non-nullable when it reads a column of Table.NotNull unchanged. It
// decides from DuckDB's own parse tree (json_serialize_sql): the statement
// must be one SELECT over one table given with the query (no join, no
// subquery, no common table expression, no grouping sets), and the column
// must come from a star or a bare column reference. Anything else stays
// nullable, which is always a true declaration.

// resultColumn is one column of a result as the parse tree predicts it:
// name is "" when the column is an expression (its name is not checked).
type resultColumn struct {
	name    string
	notNull bool
}

// notNullPlan predicts which result columns of sql are non-nullable, or
// returns nil when no column can be proven so (or the tables declare no
// NotNull column). Errors of the parse are not reported: the query itself
// reports them. Plans are cached: the parse costs about as much as a small
// query, and dashboards repeat theirs.
func (e *Engine) notNullPlan(ctx context.Context, q driver.QueryerContext, sql string, tables []Table) []resultColumn {
	if !anyNotNull(tables) {
		return nil
	}
	key := planKey(sql, tables)
	if plan, ok := e.plans.get(key); ok {
		return plan
	}
	tree, err := parseTree(ctx, q, sql)
	if err != nil {
		return nil // not cached: the context may have ended
	}
	var plan []resultColumn
	if len(tree.Statements) == 1 {
		plan = tree.Statements[0].Node.plan(tables)
	}
	e.plans.put(key, plan)
	return plan
}

// planKey identifies what a plan depends on: the SQL text and the columns
// of the tables, with those that hold no null.
func planKey(sql string, tables []Table) string {
	var sb strings.Builder
	sb.WriteString(sql)
	for _, t := range tables {
		if len(t.NotNull) == 0 || t.Schema == nil {
			continue
		}
		sb.WriteString("\x00")
		sb.WriteString(t.Name)
		for _, f := range t.Schema.Fields() {
			sb.WriteString("\x01")
			sb.WriteString(f.Name)
		}
		for _, c := range t.NotNull {
			sb.WriteString("\x02")
			sb.WriteString(c)
		}
	}
	return sb.String()
}

// planCacheSize bounds the plans kept; the cache is emptied when full.
const planCacheSize = 1024

// planCache holds the nullability plans of recent queries. The zero value
// is ready to use.
type planCache struct {
	mu    sync.Mutex
	plans map[string][]resultColumn
}

func (c *planCache) get(key string) ([]resultColumn, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	plan, ok := c.plans[key]
	return plan, ok
}

func (c *planCache) put(key string, plan []resultColumn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.plans == nil || len(c.plans) >= planCacheSize {
		c.plans = make(map[string][]resultColumn)
	}
	c.plans[key] = plan
}

func anyNotNull(tables []Table) bool {
	for _, t := range tables {
		if len(t.NotNull) > 0 && t.Schema != nil {
			return true
		}
	}
	return false
}

// applyNotNull returns schema with the columns that plan proves
// non-nullable marked so; schema itself when the plan does not match its
// columns (count and names) or proves nothing.
func applyNotNull(schema *arrow.Schema, plan []resultColumn) *arrow.Schema {
	if len(plan) != schema.NumFields() {
		return schema
	}
	fields := schema.Fields()
	changed := false
	for i, c := range plan {
		if c.name != "" && !strings.EqualFold(c.name, fields[i].Name) {
			return schema
		}
		if c.notNull && fields[i].Nullable {
			fields[i].Nullable = false
			changed = true
		}
	}
	if !changed {
		return schema
	}
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md)
}

// parseTree returns DuckDB's parse tree of sql.
func parseTree(ctx context.Context, q driver.QueryerContext, sql string) (sqlTree, error) {
	rows, err := q.QueryContext(ctx, "SELECT CAST(json_serialize_sql(CAST($1 AS VARCHAR)) AS VARCHAR)", []driver.NamedValue{{Ordinal: 1, Value: sql}})
	if err != nil {
		return sqlTree{}, fmt.Errorf("serialize sql: %w", err)
	}
	defer rows.Close()
	dest := make([]driver.Value, 1)
	if err := rows.Next(dest); err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("no row")
		}
		return sqlTree{}, fmt.Errorf("serialize sql: %w", err)
	}
	text, ok := dest[0].(string)
	if !ok {
		return sqlTree{}, fmt.Errorf("serialize sql: got %T", dest[0])
	}
	var tree sqlTree
	if err := json.Unmarshal([]byte(text), &tree); err != nil {
		return sqlTree{}, fmt.Errorf("serialize sql: %w", err)
	}
	if tree.Error {
		return sqlTree{}, errors.New("serialize sql: not a SELECT statement")
	}
	return tree, nil
}

// sqlTree is the part of json_serialize_sql's output that notNullPlan
// reads.
type sqlTree struct {
	Error      bool `json:"error"`
	Statements []struct {
		Node selectNode `json:"node"`
	} `json:"statements"`
}

type selectNode struct {
	Type   string `json:"type"`
	CTEMap struct {
		Map []json.RawMessage `json:"map"`
	} `json:"cte_map"`
	SelectList []selectItem        `json:"select_list"`
	FromTable  fromTable           `json:"from_table"`
	GroupSets  [][]json.RawMessage `json:"group_sets"`
}

type selectItem struct {
	Class        string   `json:"class"`
	Alias        string   `json:"alias"`
	ColumnNames  []string `json:"column_names"`
	RelationName string   `json:"relation_name"`
	ExcludeList  []string `json:"exclude_list"`
	ReplaceList  []struct {
		Key string `json:"key"`
	} `json:"replace_list"`
	Columns              bool              `json:"columns"`
	QualifiedExcludeList []json.RawMessage `json:"qualified_exclude_list"`
	RenameList           []json.RawMessage `json:"rename_list"`
}

type fromTable struct {
	Type            string   `json:"type"`
	Alias           string   `json:"alias"`
	SchemaName      string   `json:"schema_name"`
	CatalogName     string   `json:"catalog_name"`
	TableName       string   `json:"table_name"`
	ColumnNameAlias []string `json:"column_name_alias"`
}

// plan predicts the result columns of n, or nil when it cannot.
func (n selectNode) plan(tables []Table) []resultColumn {
	f := n.FromTable
	if n.Type != "SELECT_NODE" || len(n.CTEMap.Map) > 0 || len(n.GroupSets) > 1 ||
		f.Type != "BASE_TABLE" || f.SchemaName != "" || f.CatalogName != "" || len(f.ColumnNameAlias) > 0 {
		return nil
	}
	var table *Table
	for i := range tables {
		if strings.EqualFold(tables[i].Name, f.TableName) {
			table = &tables[i]
		}
	}
	if table == nil || table.Schema == nil || len(table.NotNull) == 0 {
		return nil
	}
	notNull := make(map[string]bool, len(table.NotNull))
	for _, c := range table.NotNull {
		notNull[strings.ToLower(c)] = true
	}
	ref := f.TableName
	if f.Alias != "" {
		ref = f.Alias
	}
	var out []resultColumn
	for _, it := range n.SelectList {
		switch it.Class {
		case "STAR":
			if it.Columns || len(it.QualifiedExcludeList) > 0 || len(it.RenameList) > 0 ||
				(it.RelationName != "" && !strings.EqualFold(it.RelationName, ref)) {
				return nil
			}
			replaced := map[string]bool{}
			for _, r := range it.ReplaceList {
				replaced[strings.ToLower(r.Key)] = true
			}
			excluded := map[string]bool{}
			for _, e := range it.ExcludeList {
				excluded[strings.ToLower(e)] = true
			}
			for _, fd := range table.Schema.Fields() {
				name := strings.ToLower(fd.Name)
				if !excluded[name] {
					out = append(out, resultColumn{name: fd.Name, notNull: notNull[name] && !replaced[name]})
				}
			}
		case "COLUMN_REF":
			col, ok := it.column(ref)
			if !ok {
				out = append(out, resultColumn{})
				continue
			}
			name := col
			if it.Alias != "" {
				name = it.Alias
			}
			out = append(out, resultColumn{name: name, notNull: notNull[strings.ToLower(col)]})
		default:
			out = append(out, resultColumn{})
		}
	}
	return out
}

// column returns the table column a column reference names: "col" or
// "ref.col" where ref is the table's name or alias.
func (it selectItem) column(ref string) (string, bool) {
	switch len(it.ColumnNames) {
	case 1:
		return it.ColumnNames[0], true
	case 2:
		if strings.EqualFold(it.ColumnNames[0], ref) {
			return it.ColumnNames[1], true
		}
	}
	return "", false
}
